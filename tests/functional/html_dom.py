"""A small HTML tree for functional tests, built with the standard library's html.parser.

Enough to find elements by tag, class and attribute, read their text, and read a form
control's value the way a browser would show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

VOID_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class Element:
    """One element: its tag, attributes (a bare attribute has the value ""), children."""

    def __init__(self, tag: str, attrs, parent: Element | None = None) -> None:
        self.tag = tag
        self.attrs = {name: "" if value is None else value for name, value in attrs}
        self.parent = parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    def raw_text(self) -> str:
        """All the text inside, exactly as parsed."""
        return "".join(
            child if isinstance(child, str) else child.raw_text() for child in self.children
        )

    def text(self) -> str:
        """The text inside with runs of whitespace collapsed."""
        return " ".join(self.raw_text().split())

    def iter(self) -> Iterator[Element]:
        """Every element below this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, class_: str | None = None, **attrs) -> list:
        """Descendants matching a tag, a class and attributes (aria_label -> aria-label).

        An attribute value of True only asks for the attribute to be present.
        """
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        found = []
        for element in self.iter():
            if tag is not None and element.tag != tag:
                continue
            if class_ is not None and class_ not in element.classes:
                continue
            if all(
                (name in element.attrs) if value is True else element.attrs.get(name) == value
                for name, value in wanted.items()
            ):
                found.append(element)
        return found

    def find(self, tag: str | None = None, class_: str | None = None, **attrs) -> Element | None:
        """The first match, or None."""
        matches = self.find_all(tag, class_, **attrs)
        return matches[0] if matches else None

    def one(self, tag: str | None = None, class_: str | None = None, **attrs) -> Element:
        """The only match; fails the test if there are none or several."""
        matches = self.find_all(tag, class_, **attrs)
        assert len(matches) == 1, f"expected one {tag or '*'}.{class_} {attrs}, got {matches}"
        return matches[0]

    def value(self) -> str | None:
        """A form control's current value: input value, textarea text, selected option."""
        if self.tag == "textarea":
            text = self.raw_text()
            # Browsers drop one newline right after <textarea>; WTForms writes one.
            for newline in ("\r\n", "\n"):
                if text.startswith(newline):
                    return text[len(newline) :]
            return text
        if self.tag == "select":
            # A single select with nothing marked selected shows (and sends) its first option.
            options = self.find_all("option", selected=True) or self.find_all("option")
            return options[0].get("value") if options else None
        return self.get("value")

    def option_values(self) -> list[str]:
        """The values a select offers."""
        return [option.get("value") for option in self.find_all("option")]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", [])
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID_TAGS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Element:
    """Parse a page into a tree whose root is a #document element."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def idea_titles(root: Element) -> list[str]:
    """The titles of the idea cards on a page, in order."""
    return [heading.text() for heading in root.find_all(class_="idea-title")]


def field_error(root: Element, field_id: str) -> str:
    """The error message shown next to a field, checking it is tied to the control."""
    control = root.one(id=field_id)
    error = root.one(id=f"{field_id}-error")
    assert f"{field_id}-error" in control.get("aria-describedby", "").split()
    assert control.get("aria-invalid") == "true"
    return error.text()

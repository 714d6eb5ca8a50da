"""Find the forms on a page and fill them the way a person would, with chosen text.

`page_forms(html)` reads every <form> (action, method, controls and their defaults);
`FormSpec.fill(text)` puts `text` in every free-text control (text, search, textarea...)
and keeps sensible defaults elsewhere: hidden values, the selected or first real option,
the first radio, a number, a date. Check boxes stay unticked and passwords empty, so a
form that needs a confirmation is refused (422) and shows the text again rather than
deleting anything.
"""

from dataclasses import dataclass, field

from tests.functional.html_dom import parse

TEXT_TYPES = {"text", "search", "url", "tel", ""}
PADDING = " This sentence pads the text to every minimum length a field can ask for."


@dataclass
class FormSpec:
    """One form: where it goes, how, and its controls."""

    action: str
    method: str
    defaults: dict[str, list[str]] = field(default_factory=dict)
    text_fields: dict[str, tuple[int | None, bool]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    has_file: bool = False

    def fill(self, text: str, button: str | None = None) -> dict[str, list[str]]:
        """The data a person would send, with `text` in each free-text control."""
        data = {name: list(values) for name, values in self.defaults.items()}
        for name, (maxlength, multiline) in self.text_fields.items():
            value = f"{text}\n\n{PADDING}" if multiline else f"XSS {text}{PADDING}"
            if maxlength:
                value = value[:maxlength]
            data[name] = [value]
        chosen = [b for b in self.buttons if b[0] == button] or self.buttons[-1:]
        for name, value in chosen:
            if name:
                data[name] = [value]
        return data


def page_forms(html: str, page_path: str = "/") -> list[FormSpec]:
    """Every form on the page."""
    specs = []
    for form in parse(html).find_all("form"):
        spec = FormSpec(
            action=form.get("action") or page_path, method=form.get("method", "get").lower()
        )
        for control in form.iter():
            name = control.get("name")
            kind = (control.get("type") or "").lower()
            if control.tag == "button" or (control.tag == "input" and kind == "submit"):
                spec.buttons.append((name or "", control.get("value", "")))
            elif not name:
                continue
            elif control.tag == "textarea":
                spec.text_fields[name] = (_int(control.get("maxlength")), True)
            elif control.tag == "select":
                spec.defaults[name] = [_default_option(control)]
            elif control.tag != "input":
                continue
            elif kind in TEXT_TYPES:
                spec.text_fields[name] = (_int(control.get("maxlength")), False)
            elif kind == "hidden":
                spec.defaults.setdefault(name, []).append(control.get("value", ""))
            elif kind == "number":
                spec.defaults[name] = [control.get("value") or control.get("min") or "3"]
            elif kind == "date":
                spec.defaults[name] = [control.get("value") or "2025-06-01"]
            elif kind == "radio" and name not in spec.defaults:
                spec.defaults[name] = [control.get("value", "on")]
            elif kind == "email":
                spec.defaults[name] = [control.get("value", "")]
            elif kind == "file":
                spec.has_file = True
        specs.append(spec)
    return specs


def _default_option(select) -> str:
    """The selected option unless it is a placeholder, else the first real choice."""
    options = select.find_all("option")
    real = [option for option in options if option.get("value") not in (None, "", "0")]
    selected = [option for option in options if "selected" in option.attrs]
    chosen = [option for option in selected if option in real] or real or options
    return chosen[0].get("value", "") if chosen else ""


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None

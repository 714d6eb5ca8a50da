"""Markdown rendering for user text: Python-Markdown, then nh3 with an explicit allow-list."""

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]
# Column alignment as the allowed align attribute, not as the style attribute nh3 strips.
MARKDOWN_EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to HTML that is safe to insert into a page."""
    if not text:
        return Markup("")
    html = markdown.markdown(
        text,
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_EXTENSION_CONFIGS,
        output_format="html",
    )
    return sanitize_html(html)


def sanitize_html(html: str | None) -> Markup:
    """Clean HTML with the allow-list; also applied to stored HTML when it is shown."""
    if not html:
        return Markup("")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        # Links written by members must not pass on our page's authority or referrer.
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - nh3 has sanitised it

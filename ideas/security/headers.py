"""Security headers on every response: pages, JSON, errors, redirects and static files.

The Content-Security-Policy allows scripts, styles and everything else from this site only:
no inline script, no inline event handler, no inline style, no plugin, no framing. The
templates keep to that (a test scans them; the browser tests report any violation), so a
payload that slipped past escaping still could not run.
"""

from flask import Flask, Response, current_app, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the small images browsers and stylesheets embed; never for scripts.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# The browser features a page of ideas never needs, turned off for this site and any frame.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Addresses of ideas and searches stay inside the site; other sites learn nothing.
    "Referrer-Policy": "same-origin",
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """Set the security headers on a response (an `after_request` hook)."""
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    # Browsers ignore HSTS over plain HTTP; behind a TLS proxy request.is_secure comes
    # from X-Forwarded-Proto, trusted only with TRUSTED_PROXIES set.
    if max_age and request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={int(max_age)}; includeSubDomains"
        )
    if _is_signed_in_page():
        # A signed-in page may show drafts, flags or staff notes: no browser or proxy cache
        # may keep it for the next person at a shared computer.
        response.headers["Cache-Control"] = "no-store"
    return response


def _is_signed_in_page() -> bool:
    """True for any response but a static file when someone is signed in."""
    if request.endpoint == "static":
        return False
    try:
        # is_anonymous reads no column: is_authenticated would read is_active, and after a
        # write's commit expired the user that is one more SELECT per request. A member who
        # deactivated their account in this request still gets no-store (the safe side).
        return not current_user.is_anonymous
    except Exception:  # a broken session must not turn a response into a 500
        return False


def register(app: Flask) -> None:
    """Add the headers hook to the app."""
    app.after_request(add_security_headers)

"""Request hygiene that holds for every page: headers, the client's address behind the proxy, NUL bytes."""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils.cache import patch_cache_control

# Every script and style is served from static/ (no CDN, no inline script: figures travel as JSON in
# <script type="application/json">, drawn by static/js/figures.js). plotly.js injects <style> elements
# and draws into data:/blob: images, hence the two allowances below.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


def client_ip(request):
    """The visitor's address for login throttling (django-axes).

    Behind TRUSTED_PROXY_COUNT proxies each appends the address it saw to X-Forwarded-For, so the client is
    the N-th entry from the right; anything left of it was written by the client and is ignored. With no
    proxy configured the header is ignored altogether (a client could write anything there).
    "6.6.6.6, 198.51.100.7" behind one proxy → "198.51.100.7"."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


class SecurityHeadersMiddleware:
    """NUL bytes in the path or query are refused (400) before any view or database sees them; every
    response gets CSP and Permissions-Policy; pages for a logged-in user are never stored by a browser or
    proxy cache (Cache-Control: private, no-store)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return HttpResponseBadRequest("bad request", content_type="text/plain")
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

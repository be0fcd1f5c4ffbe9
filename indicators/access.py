"""Who may see and do what with uploads.

Roles come from Django groups ("province", "city", "county", "admin"; staff and superusers are admins). A
city's staff answer for their city (OfficialRegion names the city) and its counties; a
county official answers for the regions in OfficialRegion and for the units these took over that no longer
exist (柯桥区 also for 绍兴县's years): allowed_region_codes() is the one check. Every upload view reads
through `visible_uploads()`, so another county's drafts are simply not found (404): a 403 would tell them
the upload exists.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from .models import OfficialRegion, Region, Upload
from .selectors import region_lineage

ADMIN, PROVINCE, CITY, COUNTY = "admin", "province", "city", "county"
ROLES = (ADMIN, PROVINCE, CITY, COUNTY)  # highest first: a user in two groups gets the higher role
REVIEWERS = frozenset({ADMIN, PROVINCE})
ROLE_ALIASES = {**{role: role for role in ROLES}, "管理员": ADMIN, "省级": PROVINCE, "市级": CITY, "县级": COUNTY}


def role_of(user):
    """The role: "admin", "province", "county" or None (anonymous, inactive, or in no role group)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser or user.is_staff:
        return ADMIN
    if not hasattr(user, "_zj_role"):  # once per request: the user object lives as long as the request
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._zj_role = next((role for role in ROLES if role in names), None)
    return user._zj_role


def can_review(user):
    """Whether the user reviews uploads at all: province staff and admins; city staff when CITY_REVIEW."""
    role = role_of(user)
    return role in REVIEWERS or (role == CITY and settings.CITY_REVIEW)


def upload_city(upload):
    """The id of the one city (设区市) all the upload's regions lie in (its counties, or the city itself), or
    None for a province-wide roll-up or an upload without regions."""
    city = {Region.Level.COUNTY: lambda r: r.parent_id, Region.Level.CITY: lambda r: r.pk}
    cities = {city.get(r.level, lambda r: None)(r) for r in upload.regions.all()}
    return cities.pop() if len(cities) == 1 and None not in cities else None


def needs_city_review(upload):
    """With CITY_REVIEW on, an upload within one city is checked by that city's staff first; any other
    (a province-wide roll-up) goes straight to the province."""
    return settings.CITY_REVIEW and upload_city(upload) is not None


def review_step(user, upload):
    """The review the user may do on the upload now: "city", "province" or None. The one rule of who reviews
    what; the uploader never reviews their own upload (services.upload_approve raises for that)."""
    role = role_of(user)
    if upload.status == Upload.Status.SUBMITTED and needs_city_review(upload):
        city = upload_city(upload)
        if role == CITY and Region.objects.filter(pk=city, officials__user=user).exists():
            return "city"
        return None
    if upload.status in (Upload.Status.SUBMITTED, Upload.Status.CITY_CHECKED) and role in REVIEWERS:
        return "province"
    return None


def allowed_region_codes(user):
    """The region codes the user may upload for and see the uploads of, or None for all (province staff,
    admins). A county official: their own regions and the units these took over that no longer exist
    (柯桥区 also 绍兴县), never another current unit (临平区 not 余杭区, though 临平区 was carved out of it)."""
    role = role_of(user)
    if role in REVIEWERS:
        return None
    if role not in (CITY, COUNTY):
        return frozenset()
    if not hasattr(user, "_zj_regions"):  # once per request, like the role
        own = Region.objects.filter(officials__user=user)
        if role == CITY:  # the city and every county it holds, current or abolished
            own = Region.objects.filter(Q(pk__in=own) | Q(parent__in=own))
        user._zj_regions = frozenset(region_lineage().absorbed(own.values_list("code", flat=True)))
    return user._zj_regions


def regions_of(user):
    """The regions the user uploads for (see allowed_region_codes)."""
    allowed = allowed_region_codes(user)
    return Region.objects.all() if allowed is None else Region.objects.filter(code__in=allowed)


def visible_uploads(user):
    """Uploads the user may see: those whose regions all lie within allowed_region_codes (a provincial
    roll-up naming other counties stays invisible to a county official). The parsed rows (megabytes for a
    roll-up) are loaded only where a page reads them (the preview and the confirmation)."""
    allowed = allowed_region_codes(user)
    uploads = Upload.objects.defer("rows")
    if allowed is None:
        return uploads
    if not allowed:  # no region (an anonymous visitor of a public dashboard): nothing, and no query asking
        return uploads.none()
    links = Upload.regions.through.objects.filter(upload_id=OuterRef("pk"))
    return uploads.filter(Exists(links)).exclude(Exists(links.exclude(region__code__in=allowed)))


def can_upload_for(user, region_code):
    """Whether the user may upload data for (and see the history and template of) that region."""
    return regions_of(user).filter(code=region_code).exists()


# ---------------------------------------------------------------------------------------------
# View decorators and middleware


def role_required(view):
    """Logged in and holding a role; a logged-in account without one gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if role_of(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def reviewer_required(view):
    """Province staff and admins only; anyone else logged in gets 404, as if the action did not exist."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_review(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


PUBLIC_URL_NAMES = frozenset({"healthz", "set_language"})


class DashboardLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware (the login pages are already exempt) plus this project's rules:
    /healthz and the language switch are always open; with DASHBOARD_PUBLIC the dashboard pages
    (`targets` namespace) are too, never the uploads. Static files are served by WhiteNoise before this."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match.url_name in PUBLIC_URL_NAMES and not match.namespaces:
            return None
        if settings.DASHBOARD_PUBLIC and match.namespaces[:1] == ["targets"]:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


# ---------------------------------------------------------------------------------------------
# Accounts


def parse_role(text):
    """Normalise a role name: "county" or "县级" gives "county"; ValueError for anything else."""
    role = ROLE_ALIASES.get(str(text or "").strip().lower())
    if role is None:
        raise ValueError(f"未知角色 {text!r}（可用：province/city/county/admin 或 省级/市级/县级/管理员）")
    return role


def check_account(*, username, role, region_codes):
    """Validate one account's spec without writing; returns the Region rows (ValueError on a problem)."""
    from .services import SYSTEM_USERNAME

    if not username or username == SYSTEM_USERNAME:
        raise ValueError(f"用户名 {username!r} 不可用")
    role = parse_role(role)
    codes = list(dict.fromkeys(region_codes))
    if role in (CITY, COUNTY) and not codes:
        raise ValueError(f"{username}: {'市级' if role == CITY else '县级'}用户至少需要一个地区代码（--region）")
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in regions]
    if unknown:
        raise ValueError(f"{username}: 未知地区代码 {', '.join(unknown)}")
    gone = [c for c in codes if not regions[c].is_current]
    if gone:
        raise ValueError(f"{username}: 地区 {', '.join(gone)} 已撤销，请使用现行代码")
    not_cities = [c for c in codes if role == CITY and regions[c].level != Region.Level.CITY]
    if not_cities:
        raise ValueError(f"{username}: 地区 {', '.join(not_cities)} 不是设区市")
    return [regions[c] for c in codes] if role in (CITY, COUNTY) else []


@transaction.atomic
def account_provision(*, username, role, region_codes=(), email="", password=None):
    """Create or update an account with exactly this role: its group (admin: also staff and superuser)
    and, for a county official, exactly these regions. Returns (user, created)."""
    role = parse_role(role)
    regions = check_account(username=username, role=role, region_codes=region_codes)
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
        user.set_unusable_password()  # replaced below unless the caller keeps it unusable
    user.is_staff = user.is_superuser = role == ADMIN
    if email:
        user.email = email
    if password is not None:
        user.set_password(password)
    user.full_clean()  # the username's characters, the e-mail's form
    user.save()
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    user.groups.remove(*[g for name, g in groups.items() if name != role])
    user.groups.add(groups[role])
    OfficialRegion.objects.filter(user=user).exclude(region__in=regions).delete()
    for region in regions:
        OfficialRegion.objects.get_or_create(user=user, region=region)
    for cached in ("_zj_role", "_zj_regions"):
        user.__dict__.pop(cached, None)
    return user, created

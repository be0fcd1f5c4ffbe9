"""indicators/access.py and who reaches which page: a matrix of role × page × own/other county.

Every URL of the `indicators` namespace must appear in MATRIX: a view added without a row fails
test_every_indicators_url_is_in_the_matrix, and test_every_indicators_url_needs_a_login checks each
one against an anonymous visitor, GET and POST.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, reverse

from indicators import urls as indicator_urls
from indicators.access import (
    account_provision,
    allowed_region_codes,
    can_upload_for,
    regions_of,
    role_of,
    visible_uploads,
)
from indicators.ingest import parse_upload
from indicators.models import Notification, Upload
from indicators.rounds import round_open
from indicators.selectors import ingest_catalog
from indicators.services import import_file, system_user, upload_create
from tests.test_import_stats import rollup

pytestmark = pytest.mark.django_db

YIWU, JINGNING = "330782", "331127"
LOGIN = "/accounts/login/"
ROLES = ["anonymous", "yiwu", "jingning", "province", "admin"]


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"


def make_user(username, role=None, regions=()):
    """An account with that role (None: logged in but in no role group), as create_user makes it."""
    if role is None:
        return get_user_model().objects.create_user(username=username)
    return account_provision(username=username, role=role, region_codes=regions)[0]


@pytest.fixture
def people():
    return {
        "anonymous": None,
        "yiwu": make_user("yiwu", "county", [YIWU]),
        "jingning": make_user("jingning", "county", [JINGNING]),
        "province": make_user("prov", "province"),
        "admin": make_user("boss", "admin"),
    }


def draft(user, tmp_path, rows=(("义乌市", 512.3, 30.1),), region=YIWU):
    """A preview upload (nothing written yet), as the upload form leaves it."""
    path = rollup(2023, list(rows), name=f"draft-{user.username}.xlsx", tmp=tmp_path)
    data = path.read_bytes()
    result = parse_upload(data, path.name, ingest_catalog(), region_code=region)
    assert result.accepted, result.errors
    return upload_create(user=user, filename=path.name, data=data, result=result)


def submitted(user, tmp_path, rows=(("义乌市", 512.3, 30.1),)):
    path = rollup(2023, list(rows), name=f"sub-{user.username}.xlsx", tmp=tmp_path)
    report = import_file(data=path.read_bytes(), filename=path.name, user=user, source=Upload.Source.WEB)
    assert report["accepted"], report["errors"]
    return Upload.objects.get(pk=report["upload_id"])


# ---------------------------------------------------------------------------------------------
# The functions


def test_role_of_reads_the_group_and_treats_staff_as_admins(people):
    assert [role_of(people[r]) for r in ROLES] == [None, "county", "county", "province", "admin"]
    assert role_of(make_user("nobody")) is None
    staff = make_user("staff")
    staff.is_staff = True
    assert role_of(staff) == "admin"


def test_regions_of_a_county_official_are_their_own(people):
    assert list(regions_of(people["yiwu"]).values_list("code", flat=True)) == [YIWU]
    assert regions_of(people["province"]).count() > 100
    assert not regions_of(make_user("nobody")).exists()


def test_can_upload_for_own_region_and_the_units_it_took_over():
    keqiao = make_user("keqiao", "county", ["330603"])  # 柯桥区, successor of 绍兴县 330621 (abolished 2013)
    assert can_upload_for(keqiao, "330603")
    assert can_upload_for(keqiao, "330621")
    assert not can_upload_for(keqiao, YIWU)
    assert not can_upload_for(keqiao, "330602")  # 越城区, its neighbour
    assert not can_upload_for(make_user("prov2", "province"), "999999")
    assert can_upload_for(make_user("prov3", "province"), YIWU)


# A unit carved out of one that still exists: neither official answers for the other.
SPLITS = [
    ("330113", "330110"),  # 临平区 from 余杭区 (2021)
    ("330114", "330109"),  # 钱塘区 from 萧山区 (2021, with part of 江干区)
    ("330383", "330327"),  # 龙港市 from 苍南县 (2019)
]


@pytest.mark.parametrize(("new", "old"), SPLITS)
def test_a_split_leaves_both_officials_their_own_region_only(new, old):
    carved, remainder = make_user("carved", "county", [new]), make_user("remainder", "county", [old])
    assert not can_upload_for(carved, old)
    assert not can_upload_for(remainder, new)
    assert old not in allowed_region_codes(carved)
    assert new not in allowed_region_codes(remainder)


def test_the_official_of_a_split_county_follows_the_abolished_unit_it_took_part_of():
    """江干区 330104 was abolished in 2021: 上城区 and 钱塘区 each took part of it, so both answer for its
    years; 钱塘区 still does not answer for 萧山区, which continues."""
    assert allowed_region_codes(make_user("shangcheng", "county", ["330102"])) == {"330102", "330104"}
    assert allowed_region_codes(make_user("qiantang", "county", ["330114"])) == {"330114", "330104"}
    assert allowed_region_codes(make_user("prov4", "province")) is None
    assert allowed_region_codes(make_user("nobody")) == set()


def test_officials_of_linping_and_yuhang_never_see_each_others_uploads(client, tmp_path):
    linping = make_user("linping", "county", ["330113"])
    yuhang = make_user("yuhang", "county", ["330110"])
    linping_draft = draft(linping, tmp_path, rows=[("临平区", 900.5, 20.1)], region="330113")
    yuhang_draft = draft(yuhang, tmp_path, rows=[("余杭区", 1500.2, 35.3)], region="330110")
    assert list(visible_uploads(linping)) == [linping_draft]
    assert list(visible_uploads(yuhang)) == [yuhang_draft]
    client.force_login(linping)
    assert client.get(reverse("indicators:preview", args=[yuhang_draft.pk])).status_code == 404
    assert client.get(reverse("indicators:county_uploads", args=["330110"])).status_code == 404
    assert client.get(reverse("indicators:template") + "?region=330110&year=2024").status_code == 404
    assert "draft-yuhang.xlsx" not in client.get("/county/330110/").content.decode()


def test_keqiaos_official_sees_an_upload_of_shaoxing_countys_years(tmp_path):
    keqiao, yuecheng = make_user("keqiao", "county", ["330603"]), make_user("yuecheng", "county", ["330602"])
    path = rollup(2011, [("绍兴县", 300.5, 25.2)], name="shaoxing-2011.xlsx", tmp=tmp_path)
    result = parse_upload(path.read_bytes(), path.name, ingest_catalog(), region_code="330603")
    assert result.accepted, result.errors
    assert {v.region_code for v in result.values} == {"330621"}
    upload = upload_create(user=keqiao, filename=path.name, data=path.read_bytes(), result=result)
    assert list(visible_uploads(keqiao)) == [upload]
    assert not visible_uploads(yuecheng).exists()


def test_visible_uploads_hides_other_counties_and_mixed_rollups(people, tmp_path):
    own = draft(people["yiwu"], tmp_path)
    other = draft(people["jingning"], tmp_path, rows=[("景宁畲族自治县", 21.5, 1.2)], region=JINGNING)
    both = submitted(system_user(), tmp_path, rows=[("义乌市", 500, 30), ("景宁畲族自治县", 20, 1)])
    assert list(visible_uploads(people["yiwu"])) == [own]
    assert list(visible_uploads(people["jingning"])) == [other]
    assert set(visible_uploads(people["province"])) == {own, other, both}
    assert not visible_uploads(make_user("nobody")).exists()
    # What the county page will call: one row per upload even though the join is many-to-many.
    assert list(visible_uploads(people["province"]).filter(regions__code=YIWU).order_by("pk")) == [own, both]


# ---------------------------------------------------------------------------------------------
# The matrix

# url name (or a dashboard path) → (method, how to build the URL, expected status per role).
# 302 means "to the login page" for the anonymous visitor and "done, back to the upload" otherwise.
OWN = {"anonymous": 302, "yiwu": 200, "jingning": 404, "province": 200, "admin": 200}
EVERYONE = {"anonymous": 302, "yiwu": 200, "jingning": 200, "province": 200, "admin": 200}
REVIEW = {"anonymous": 302, "yiwu": 404, "jingning": 404, "province": 302, "admin": 302}
DRAFT_OWNER = {"anonymous": 302, "yiwu": 302, "jingning": 404, "province": 404, "admin": 404}
PROVINCE = {"anonymous": 302, "yiwu": 404, "jingning": 404, "province": 200, "admin": 200}
NOTE_OWNER = DRAFT_OWNER  # a notification to 义乌's official: nobody else finds it
POSTED = {"anonymous": 302, "yiwu": 302, "jingning": 302, "province": 302, "admin": 302}

MATRIX = {
    "dashboard": ("get", lambda o: "/", EVERYONE),
    "dashboard_county": ("get", lambda o: f"/county/{YIWU}/", EVERYONE),
    "upload": ("get", lambda o: reverse("indicators:upload"), EVERYONE),
    "template": ("get", lambda o: reverse("indicators:template") + f"?region={YIWU}&year=2024", OWN),
    "preview": ("get", lambda o: reverse("indicators:preview", args=[o["draft"].pk]), OWN),
    "detail": ("get", lambda o: reverse("indicators:detail", args=[o["submitted"].pk]), OWN),
    "confirm": ("post", lambda o: reverse("indicators:confirm", args=[o["draft"].pk]), DRAFT_OWNER),
    "cancel": ("post", lambda o: reverse("indicators:cancel", args=[o["draft"].pk]), DRAFT_OWNER),
    "columns": ("post", lambda o: reverse("indicators:columns", args=[o["draft"].pk]), DRAFT_OWNER),
    "approve": ("post", lambda o: reverse("indicators:approve", args=[o["submitted"].pk]), REVIEW),
    "return": ("post", lambda o: reverse("indicators:return", args=[o["submitted"].pk]), REVIEW),
    "uploads": ("get", lambda o: reverse("indicators:uploads"), EVERYONE),
    "county_uploads": ("get", lambda o: reverse("indicators:county_uploads", args=[YIWU]), OWN),
    "rounds": ("get", lambda o: reverse("indicators:rounds"), PROVINCE),
    "round": ("get", lambda o: reverse("indicators:round", args=[o["round"].year]), PROVINCE),
    "round_close": ("post", lambda o: reverse("indicators:round_close", args=[o["round"].year]), REVIEW),
    "round_reopen": ("post", lambda o: reverse("indicators:round_reopen", args=[o["round"].year]), REVIEW),
    "inbox": ("get", lambda o: reverse("indicators:inbox"), EVERYONE),
    "inbox_open": ("get", lambda o: reverse("indicators:inbox_open", args=[o["note"].pk]), NOTE_OWNER),
    "inbox_read": ("post", lambda o: reverse("indicators:inbox_read"), POSTED),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(MATRIX))
def test_access_matrix(client, people, tmp_path, page, role):
    objects = {
        "draft": draft(people["yiwu"], tmp_path),
        "submitted": submitted(people["yiwu"], tmp_path),
        "round": round_open(year=2023, deadline=datetime.date(2024, 3, 31)),
        "note": Notification.objects.create(user=people["yiwu"], subject="s", url="/uploads/"),
    }
    method, url, expected = MATRIX[page]
    if people[role] is not None:
        client.force_login(people[role])
    response = getattr(client, method)(url(objects), {"comment": "请核对"} if method == "post" else {})
    assert response.status_code == expected[role], (page, role)
    if role == "anonymous":
        assert response["Location"].startswith(LOGIN + "?next=")
    elif response.status_code == 302:
        assert not response["Location"].startswith(LOGIN)


def test_a_review_by_province_staff_changes_the_status_and_a_county_officials_does_not(client, people, tmp_path):
    upload = submitted(people["yiwu"], tmp_path)
    client.force_login(people["yiwu"])
    client.post(reverse("indicators:approve", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == "submitted"
    client.force_login(people["province"])
    client.post(reverse("indicators:return", args=[upload.pk]), {"comment": "数值有误"})
    upload.refresh_from_db()
    assert (upload.status, upload.review_comment, upload.reviewed_by) == ("returned", "数值有误", people["province"])


def test_an_account_without_a_role_sees_the_dashboard_but_not_the_uploads(client, tmp_path):
    client.force_login(make_user("nobody"))
    assert client.get("/").status_code == 200
    assert client.get(reverse("indicators:upload")).status_code == 403
    assert client.get(reverse("indicators:uploads")).status_code == 403


def _sample_url(pattern):
    kwargs = {
        name: 1 if conv.__class__.__name__ == "IntConverter" else YIWU
        for name, conv in pattern.pattern.converters.items()
    }
    return reverse(f"indicators:{pattern.name}", kwargs=kwargs)


PATTERNS = [p for p in indicator_urls.urlpatterns if isinstance(p, URLPattern)]


def test_every_indicators_url_is_in_the_matrix():
    assert {p.name for p in PATTERNS} <= set(MATRIX), "add the new view to MATRIX with its expected statuses"


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
@pytest.mark.parametrize("public", [False, True])
def test_every_indicators_url_needs_a_login(client, settings, pattern, public):
    settings.DASHBOARD_PUBLIC = public
    for method in (client.get, client.post):
        response = method(_sample_url(pattern))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN + "?next=")


# ---------------------------------------------------------------------------------------------
# The login-required middleware and the public switch


def test_anonymous_visitors_reach_only_the_login_page_and_healthz(client):
    assert client.get("/").status_code == 302
    assert client.get("/documents/").status_code == 302
    assert client.get(LOGIN).status_code == 200
    assert client.get("/healthz").status_code == 200
    static = client.get("/static/css/site.css")
    assert not (static.status_code == 302 and static["Location"].startswith(LOGIN))


def test_a_public_dashboard_still_keeps_uploads_behind_the_login(client, settings):
    settings.DASHBOARD_PUBLIC = True
    assert client.get("/").status_code == 200
    assert client.get(f"/county/{YIWU}/").status_code == 200
    assert client.get(reverse("indicators:upload")).status_code == 302
    assert client.get(reverse("indicators:uploads")).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_five_wrong_passwords_lock_the_login(client):
    user = make_user("yiwu2", "county", [YIWU])
    user.set_password("right-horse-battery")
    user.save()
    for _ in range(4):
        assert client.post(LOGIN, {"username": "yiwu2", "password": "wrong"}).status_code == 200
    assert client.post(LOGIN, {"username": "yiwu2", "password": "wrong"}).status_code == 429  # the fifth
    locked = client.post(LOGIN, {"username": "yiwu2", "password": "right-horse-battery"})
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count(client):
    user = make_user("yiwu3", "county", [YIWU])
    user.set_password("right-horse-battery")
    user.save()
    for _ in range(4):
        client.post(LOGIN, {"username": "yiwu3", "password": "wrong"})
    assert client.post(LOGIN, {"username": "yiwu3", "password": "right-horse-battery"}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post(LOGIN, {"username": "yiwu3", "password": "wrong"})
    assert client.post(LOGIN, {"username": "yiwu3", "password": "right-horse-battery"}).status_code == 302


def test_city_staff_answer_for_their_citys_counties_and_review_only_with_city_review_on(settings):
    city = make_user("jinhua", "city", ["330700"])
    codes = allowed_region_codes(city)
    assert {"330700", YIWU, "330781"} <= codes and JINGNING not in codes  # 景宁 is 丽水's
    from indicators.access import can_review

    assert not can_review(city)
    settings.CITY_REVIEW = True
    assert can_review(city)
    with pytest.raises(ValueError, match="不是设区市"):
        make_user("notacity", "city", [YIWU])


def test_only_an_upload_within_one_city_waits_for_that_city(people, tmp_path, settings):
    from indicators.access import needs_city_review, upload_city

    settings.CITY_REVIEW = True
    own = submitted(people["yiwu"], tmp_path)
    both = submitted(people["province"], tmp_path, rows=(("义乌市", 512.3, 30.1), ("景宁畲族自治县", 21.5, 1.2)))
    assert upload_city(own) == own.regions.get().parent_id and needs_city_review(own)
    assert upload_city(both) is None and not needs_city_review(both)  # 金华 and 丽水: straight to the province
    settings.CITY_REVIEW = False
    assert not needs_city_review(own)


# ---------------------------------------------------------------------------------------------
# Doors: where a login lands, what an anonymous visitor sees, the error pages


def test_a_county_official_lands_on_their_county_page_and_province_staff_on_the_overview(client):
    for username, role, regions in (("yiwu4", "county", [YIWU]), ("prov4", "province", [])):
        user = make_user(username, role, regions)
        user.set_password("right-horse-battery")
        user.save()
    response = client.post(LOGIN, {"username": "yiwu4", "password": "right-horse-battery"})
    assert response["Location"] == f"/county/{YIWU}/"
    client.logout()
    # A page asked for before the login wins over the landing page.
    response = client.post(LOGIN + "?next=/documents/", {"username": "yiwu4", "password": "right-horse-battery"})
    assert response["Location"] == "/documents/"
    client.logout()
    assert client.post(LOGIN, {"username": "prov4", "password": "right-horse-battery"})["Location"] == "/"


def test_the_login_page_shows_an_anonymous_visitor_no_navigation_and_no_county(client):
    html = client.get(LOGIN).content.decode()
    assert 'name="password"' in html
    assert "义乌市" not in html and "/documents/" not in html and "zj-counties" not in html


def test_a_missing_page_is_a_styled_404_in_the_sites_language_with_the_navigation(client, people):
    client.force_login(people["province"])
    response = client.get("/county/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "返回全省总览" in html and "zj-nav" in html and "审核队列" in html
    client.cookies["django_language"] = "en"
    assert client.get("/no/such/page/").status_code == 404


def test_a_logged_in_account_without_a_role_gets_a_styled_403(client):
    client.force_login(make_user("norole"))
    response = client.get(reverse("indicators:upload"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_staff_see_the_admin_link_and_county_officials_do_not(client, people):
    client.force_login(people["admin"])
    assert 'href="/admin/"' in client.get("/documents/").content.decode()
    client.force_login(people["yiwu"])
    assert 'href="/admin/"' not in client.get("/documents/").content.decode()


def test_a_404_from_a_data_page_shows_no_year_bar(client, people):
    client.force_login(people["province"])
    assert "zj-year-bar" not in client.get("/county/999999/").content.decode()


def test_the_reviewer_navigation_stays_on_an_approved_uploads_page(client, people, tmp_path):
    upload = submitted(people["yiwu"], tmp_path)
    client.force_login(people["province"])
    response = client.post(reverse("indicators:approve", args=[upload.pk]), follow=True)
    upload.refresh_from_db()
    assert upload.status == "approved"
    html = response.content.decode()
    assert "审核队列" in html and "审计记录" in html and 'class="collapse navbar-collapse' in html

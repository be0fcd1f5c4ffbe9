"""Headers on every page, NUL bytes refused, the client's address behind the proxy, reset off without mail."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, reverse

from zjindustry.security import client_ip

pytestmark = pytest.mark.django_db


def test_pages_behind_the_login_send_csp_permissions_policy_and_no_store(admin_client):
    response = admin_client.get("/documents/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "camera=()" in response["Permissions-Policy"]
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_the_login_page_has_the_csp_too(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["/go/?q=%00", "/county/%00/", "/?year=2024%00", "/cluster/a%00b/"])
def test_a_nul_byte_in_path_or_query_answers_400(admin_client, url):
    assert admin_client.get(url).status_code == 400


def test_password_reset_is_not_offered_without_mail():
    with pytest.raises(NoReverseMatch):
        reverse("password_reset")


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended():
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_proxy_a_forwarded_header_is_ignored():
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_five_bad_passwords_behind_the_proxy_lock_only_that_client(client, django_user_model):
    """Both visitors reach Django from the proxy's address 10.0.0.1; only the one who failed is locked."""
    django_user_model.objects.create_user("zhangsan", password="right-password-123")
    login = reverse("login")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(5):
        client.post(login, {"username": "zhangsan", "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    locked = client.post(
        login, {"username": "zhangsan", "password": "right-password-123"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
    )
    assert locked.status_code == 429
    other = client.post(
        login, {"username": "zhangsan", "password": "right-password-123"}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy
    )
    assert other.status_code == 302


@pytest.mark.parametrize(
    "fmt, status", [("csv", 200), ("xlsx", 200), ("xls", 404), ("ods", 404), ("json", 404), ("yaml", 404), ("tsv", 404)]
)
def test_only_the_offered_export_formats_are_served(admin_client, fmt, status):
    assert admin_client.get(f"/?_export={fmt}").status_code == status

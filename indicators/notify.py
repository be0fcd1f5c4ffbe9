"""Notifications: a row per recipient for the in-site inbox, and a mail each through Django's mail backend
(console unless EMAIL_HOST is set). Mail leaves only once the writer's transaction commits, so a review
that rolls back tells nobody; a mail server that is down is logged, never a 500.

Who hears of what: a submission → the first reviewers (the city's staff when it reviews first, else
province staff); a city check → province staff; a return (with its comment) or an approval → the uploader;
a deadline near or passed → the officials of counties that have not submitted (send_reminders)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import CITY, COUNTY, PROVINCE, can_review, needs_city_review, upload_city, visible_uploads
from .models import Notification, Upload

logger = logging.getLogger(__name__)


def notify(*, users, subject, body="", url="", key=""):
    """Write one inbox row per active recipient (each once) and queue their mails for the commit. With a
    `key`, a recipient who already has a notification of that key is skipped: no row, no mail."""
    users = list({u.pk: u for u in users if u.is_active}.values())
    if key:
        told = set(Notification.objects.filter(user__in=users, key=key).values_list("user_id", flat=True))
        users = [u for u in users if u.pk not in told]
    Notification.objects.bulk_create(
        Notification(user=u, subject=subject[:200], body=body, url=url[:300], key=key) for u in users
    )
    link = f"\n\n{settings.SITE_URL}{url}" if url else ""
    mails = [(subject, body + link, None, [u.email]) for u in users if u.email]
    if mails:
        transaction.on_commit(lambda: _send(mails), robust=True)
    return len(users)


def _send(mails):
    try:
        send_mass_mail(mails, fail_silently=False)
    except OSError:  # SMTP down or refusing: the inbox still has every message
        logger.exception("notification mail not sent (%d messages)", len(mails))


def people(role, regions=None):
    """Active users holding `role`; for city and county staff only those answering for one of `regions`."""
    users = get_user_model().objects.filter(is_active=True, groups__name=role)
    if regions is not None:
        users = users.filter(official_regions__region__in=regions)
    return users.distinct()


def _upload_url(upload):
    return reverse("indicators:detail", args=[upload.pk])


def upload_submitted(upload):
    """Tell the first reviewers that an upload waits for them."""
    if needs_city_review(upload):
        users = people(CITY, [upload_city(upload)])
    else:
        users = people(PROVINCE)
    names = "、".join(r.name for r in upload.regions.all()[:5])
    subject = _("待审核：%(name)s（%(regions)s）") % {"name": upload.original_name, "regions": names}
    return notify(users=users, subject=subject, body=_("有新的数据上传等待审核。"), url=_upload_url(upload))


def upload_city_checked(upload):
    subject = _("市级已审，待省级审核：%(name)s") % {"name": upload.original_name}
    return notify(users=people(PROVINCE), subject=subject, body=upload.review_comment, url=_upload_url(upload))


def upload_reviewed(upload):
    """Tell the uploader their upload was approved or returned, with the reviewer's comment."""
    if upload.uploaded_by is None:
        return 0
    if upload.status == upload.Status.RETURNED:
        subject = _("已退回：%(name)s") % {"name": upload.original_name}
    else:
        subject = _("已审核通过：%(name)s") % {"name": upload.original_name}
    body = _("审核意见：%(comment)s") % {"comment": upload.review_comment} if upload.review_comment else ""
    return notify(users=[upload.uploaded_by], subject=subject, body=body, url=_upload_url(upload))


def deadline_reminder(rnd, regions, today=None):
    """Remind the officials of `regions` (counties that have not submitted) of the round's deadline, once a
    day: the key is the round's year and `today` (local date), so a second run the same day tells nobody
    again, while the next day's reminder (a day fewer left) does go out."""
    today = today or timezone.localdate()
    days = (rnd.deadline - today).days
    if days >= 0:
        subject = _("%(year)d年数据填报将于 %(deadline)s 截止（还有 %(days)d 天）")
    else:
        subject = _("%(year)d年数据填报已于 %(deadline)s 截止，请尽快提交")
    subject %= {"year": rnd.year, "deadline": rnd.deadline.isoformat(), "days": days}
    url = reverse("indicators:upload")
    key = f"deadline:{rnd.year}:{today.isoformat()}"
    body = _("贵地区尚未提交本年度数据。")
    return notify(users=people(COUNTY, regions), subject=subject, body=body, url=url, key=key)


def nav_counts(request):
    """What the navigation shows beside the links: unread notifications and, for reviewers, uploads within
    their regions awaiting review at any level. One query, when a page's navigation first reads them, once
    per request (a page renders several templates); nothing for an anonymous visitor."""
    if not hasattr(request, "_zj_nav_counts"):
        user = getattr(request, "user", None)
        counts = {}
        if user is not None and user.is_authenticated:
            unread = Notification.objects.filter(user=user, read_at__isnull=True)
            wanted = {"unread": _count(unread)}
            if can_review(user):
                waiting = visible_uploads(user).filter(status__in=[Upload.Status.SUBMITTED, Upload.Status.CITY_CHECKED])
                wanted["pending"] = _count(waiting)
            counts = get_user_model().objects.filter(pk=user.pk).values(**wanted).get()
        request._zj_nav_counts = counts
    return request._zj_nav_counts


def _count(queryset):
    """COUNT(*) of the queryset as a scalar subquery (a constant grouping is no grouping: one row)."""
    grouped = queryset.order_by().annotate(_all=Value(1)).values("_all").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(grouped), 0)

"""Edits that change what the gap tables say move the data version, so every worker recomputes.

Observation writes go through indicators.services, which bumps the version itself (bulk_create
sends no signals); catalog edits made in the admin arrive here."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from indicators.models import Cluster, ClusterMembership, GroupMembership, Indicator, Region, RegionGroup
from indicators.signals import observations_changed

from .models import CompositeWeight, PolicyDocument, Target
from .reports import bump_data_version

WATCHED = (
    Target,
    PolicyDocument,
    CompositeWeight,
    Indicator,
    Region,
    RegionGroup,
    GroupMembership,
    Cluster,
    ClusterMembership,
)


@receiver(post_save)
@receiver(post_delete)
def catalog_changed(sender, **kwargs):
    if sender in WATCHED:
        bump_data_version()


@receiver(m2m_changed, sender=Region.predecessors.through)
def lineage_changed(sender, **kwargs):
    bump_data_version()


@receiver(observations_changed)
def statistics_changed(sender, **kwargs):
    bump_data_version()

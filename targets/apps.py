from django.apps import AppConfig


class TargetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "targets"
    verbose_name = "目标与差距"

    def ready(self):
        from indicators import versioning

        from . import reports

        # the writer builds the new version's tables once, after its commit (reports.build_snapshot)
        versioning.moved.connect(reports.build_snapshot, dispatch_uid="targets.reports.build_snapshot")

from django.apps import AppConfig


class TargetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "targets"
    verbose_name = "目标与差距"

    def ready(self):
        from django.core.signals import request_finished

        from indicators import versioning

        from . import reports

        # the writer builds the new version's tables once, after its commit (after its response, in a request)
        versioning.moved.connect(reports.on_moved, dispatch_uid="targets.reports.on_moved")
        request_finished.connect(reports.after_response, dispatch_uid="targets.reports.after_response")

"""Small factories: approved observations written straight to the database for engine-level tests."""

from indicators.models import Indicator, Observation, Region, Upload
from indicators.services import system_user


def approved_upload(name="factory.xlsx"):
    return Upload.objects.create(
        original_name=name,
        sha256="0" * 64,
        status=Upload.Status.APPROVED,
        source=Upload.Source.CLI,
        uploaded_by=system_user(),
    )


def observe(rows, upload=None):
    """rows: (region_code, indicator_code, year, value[, industry[, cluster]]) tuples → approved, current
    observations."""
    upload = upload or approved_upload()
    regions = {r.code: r for r in Region.objects.filter(code__in={r[0] for r in rows})}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={r[1] for r in rows})}
    Observation.objects.bulk_create(
        Observation(
            region=regions[code],
            indicator=indicators[indicator],
            year=year,
            value=value,
            industry=extra[0] if extra else "",
            cluster=extra[1] if len(extra) > 1 else "",
            status=Observation.Status.APPROVED,
            upload=upload,
        )
        for code, indicator, year, value, *extra in rows
    )
    return upload

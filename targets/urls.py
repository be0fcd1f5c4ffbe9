from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("go/", views.county_jump, name="county_jump"),
    path("county/<str:code>/", views.county, name="county"),
    path("city/<str:code>/", views.city, name="city"),
    path("group/<slug:slug>/", views.group, name="group"),
    path("clusters/", views.cluster_list, name="clusters"),
    path("clusters/race/", views.cluster_race, name="cluster_race"),
    path("cluster/<slug:slug>/", views.cluster, name="cluster"),
    path("documents/", views.document_list, name="documents"),
    path("document/<slug:code>/", views.document, name="document"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("indicator/<slug:code>/", views.indicator, name="indicator"),
    path("audit/", views.audit_log, name="audit"),
]

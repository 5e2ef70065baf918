"""URL routes: the admin plus the read-only public pages."""

from django.contrib import admin
from django.urls import include, path

from archive import views
from archive.oai import views as oai_views
from archive.reprints import views as reprint_views
from archive.research import views as research

app_name = "archive"

public_patterns = [
    path("", views.home, name="home"),
    path("feed/", views.feed, name="feed"),
    path("article/<int:pk>/", views.article, name="article"),
    path("region/<str:key>/", views.region, name="region"),
    path("person/<int:pk>/", views.person, name="person"),
    path("source/<int:pk>/", views.source, name="source"),
    path("tag/<int:pk>/", views.tag, name="tag"),
    path("trends/", research.trends, name="trends"),
    path("trends/spread/", research.spread, name="spread"),
    path("coverage/", research.coverage, name="coverage"),
    path("people/", research.people, name="people"),
    path("quotes/", research.quotes, name="quotes"),
    path("reprints/", reprint_views.reprint_network, name="reprints"),
    path("reprints/network.gexf", reprint_views.network_gexf, name="reprints_gexf"),
    path("reprints/network.csv", reprint_views.network_csv, name="reprints_csv"),
    path("lang/<str:code>/", views.set_language, name="set_language"),
    path("oai/", oai_views.endpoint, name="oai"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((public_patterns, app_name))),
]

handler404 = "archive.views.not_found"

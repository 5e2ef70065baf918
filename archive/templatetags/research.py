"""``{% career_timeline person %}``: a person's posts as a table and as bars over years
(an SVG drawn on the server, so it needs no script), with the CPED-style CSV link."""

from django import template
from django.urls import reverse

from archive.research.people import timeline

register = template.Library()


@register.inclusion_tag("research/_career.html")
def career_timeline(person):
    data = timeline(person)
    data["person"] = person
    data["csv_url"] = reverse("archive:people") + f"?person={person.pk}&format=csv"
    return data

"""Template tags of the review pages: the fix panel on an article's change page and a
curator's numbers of the day on the admin index (``archive/admin/review.py``)."""

from django import template

register = template.Library()


@register.inclusion_tag("admin/archive/review/article_panel.html", takes_context=True)
def review_panel(context, article):
    from archive.admin.review import article_panel

    request = context["request"]
    return {
        **article_panel(article),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "can_fix": request.user.has_perm("archive.change_article"),
    }


@register.inclusion_tag("admin/archive/review/today.html", takes_context=True)
def curator_today(context):
    from archive.admin.review import todays_numbers

    return {"today": todays_numbers(context["request"].user)}

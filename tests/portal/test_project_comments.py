"""Comments in the portal (PRODUCT.md §10): POST, CSRF, 400s, 429, escaping, soft delete."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from clients.models import ProjectComment
from portal.project_views import COMMENT_RATE_LIMIT
from tests.factories import ClientUserFactory, ProjectFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def post_url(project):
    return reverse("portal:project_comment_create", args=[project.pk])


def page_url(project):
    return reverse("portal:project_detail", args=[project.pk])


def test_client_user_posts_a_comment(acme_client, acme_project, acme_user):
    response = acme_client.post(post_url(acme_project), {"body": "Hello\r\nthere"})
    assert response.status_code == 302
    assert response["Location"] == page_url(acme_project) + "#comments"
    page = acme_client.get(response["Location"]).content.decode()
    assert '<li class="message message--success">Your comment has been posted.</li>' in page
    comment = ProjectComment.objects.get()
    assert comment.body == "Hello\nthere"
    assert comment.author == acme_user and comment.from_client and not comment.internal
    page = acme_client.get(page_url(acme_project)).content.decode()
    assert "Hello<br>there" in page


def test_a_lone_carriage_return_is_a_line_break_too(acme_client, acme_project):
    acme_client.post(post_url(acme_project), {"body": "one\rtwo\r\nthree"})
    assert ProjectComment.objects.get().body == "one\ntwo\nthree"


def test_client_cannot_post_an_internal_comment(acme_client, acme_project):
    acme_client.post(post_url(acme_project), {"body": "x", "internal": "on"})
    assert ProjectComment.objects.get().internal is False


def test_other_clients_project_is_404(acme_client, globex):
    other = ProjectFactory(client=globex)
    response = acme_client.post(post_url(other), {"body": "Let me in"})
    assert response.status_code == 404
    assert not ProjectComment.objects.exists()


def test_missing_project_is_404(acme_client):
    response = acme_client.post("/client-portal/projects/424242/comments/", {"body": "x"})
    assert response.status_code == 404


def test_get_on_the_comment_url_is_405(acme_client, acme_project):
    assert acme_client.get(post_url(acme_project)).status_code == 405


def test_anonymous_post_goes_to_login(client, acme_project):
    response = client.post(post_url(acme_project), {"body": "x"})
    assert response.status_code == 302
    assert not ProjectComment.objects.exists()


def test_staff_without_portal_access_is_403(client, acme_project):
    client.force_login(StaffUserFactory())
    assert client.post(post_url(acme_project), {"body": "x"}).status_code == 403


def test_csrf_is_enforced(acme_user, acme_project):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(acme_user)
    response = browser.post(post_url(acme_project), {"body": "No token"})
    assert response.status_code == 403
    assert not ProjectComment.objects.exists()
    # With the form's token it goes through.
    page = browser.get(page_url(acme_project))
    token = page.context["csrf_token"]
    response = browser.post(
        post_url(acme_project), {"body": "With token", "csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 302
    assert ProjectComment.objects.get().body == "With token"


@pytest.mark.parametrize("body", ["", "   \r\n  "])
def test_empty_comment_is_400(acme_client, acme_project, body):
    response = acme_client.post(post_url(acme_project), {"body": body})
    assert response.status_code == 400
    assert "it is empty" in response.content.decode()
    assert not ProjectComment.objects.exists()


def test_too_long_comment_is_400_and_the_text_is_kept(acme_client, acme_project):
    text = "lorem " * 834 + "TAIL"  # 5,008 characters
    response = acme_client.post(post_url(acme_project), {"body": text})
    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 5000 characters" in body or "at most 5,000 characters" in body
    assert "TAIL</textarea>" in body
    assert not ProjectComment.objects.exists()


def test_exactly_5000_characters_with_crlf_is_accepted(acme_client, acme_project):
    text = ("x" * 99 + "\r\n") * 50  # 5,000 characters once the line ends are \n
    response = acme_client.post(post_url(acme_project), {"body": text})
    assert response.status_code == 302
    assert len(ProjectComment.objects.get().body) == 5000 - 1  # the trailing \n is stripped


def test_rate_limit_is_429_after_ten_a_minute(acme_client, acme_project, acme, acme_user):
    for n in range(COMMENT_RATE_LIMIT):
        assert acme_client.post(post_url(acme_project), {"body": f"c{n}"}).status_code == 302
    response = acme_client.post(post_url(acme_project), {"body": "ELEVENTH"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.content.decode()
    assert "ELEVENTH</textarea>" in body and "in a minute" in body
    assert ProjectComment.objects.count() == COMMENT_RATE_LIMIT
    # Per user: a colleague can still post.
    colleague = Client()
    colleague.force_login(ClientUserFactory(client=acme))
    assert colleague.post(post_url(acme_project), {"body": "mine"}).status_code == 302


def test_rate_limit_window_resets(acme_client, acme_project, monkeypatch):
    import portal.project_views as views

    now = [1_000_000.0]
    monkeypatch.setattr(views.time, "time", lambda: now[0])
    for n in range(COMMENT_RATE_LIMIT):
        acme_client.post(post_url(acme_project), {"body": f"c{n}"})
    assert acme_client.post(post_url(acme_project), {"body": "x"}).status_code == 429
    now[0] += 60
    assert acme_client.post(post_url(acme_project), {"body": "x"}).status_code == 302


def test_the_limit_holds_to_the_end_of_its_minute(acme_client, acme_project, monkeypatch):
    import portal.project_views as views

    start = 60 * 16_667.0  # the first second of a one-minute window
    now = [start]
    monkeypatch.setattr(views.time, "time", lambda: now[0])
    for n in range(COMMENT_RATE_LIMIT):
        acme_client.post(post_url(acme_project), {"body": f"c{n}"})
    now[0] = start + 57  # the cache entry must outlive its window: no fresh ten here
    response = acme_client.post(post_url(acme_project), {"body": "x"})
    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    wait = "You have posted 10 comments in a minute. Wait {} and post again."
    assert f"<p>{wait.format('3 seconds')}</p>" in response.content.decode()
    now[0] = start + 59.5  # the last second: at least one second to wait, said in the singular
    response = acme_client.post(post_url(acme_project), {"body": "x"})
    assert response["Retry-After"] == "1"
    assert f"<p>{wait.format('1 second')}</p>" in response.content.decode()


def test_the_limit_holds_when_the_entry_expires_between_add_and_incr(
    acme_client, acme_project, monkeypatch
):
    import portal.project_views as views

    # No add: every window's first increment finds no entry, as after an expiry in between.
    monkeypatch.setattr(views.cache, "add", lambda *args, **kwargs: False)
    start = 60 * 16_667.0
    now = [start]
    monkeypatch.setattr(views.time, "time", lambda: now[0])
    for n in range(COMMENT_RATE_LIMIT):
        assert acme_client.post(post_url(acme_project), {"body": f"c{n}"}).status_code == 302
    now[0] = start + 57
    assert acme_client.post(post_url(acme_project), {"body": "x"}).status_code == 429


def test_script_and_javascript_links_stay_inert(acme_client, acme_project):
    hostile = (
        '<script>alert(1)</script> <a href="javascript:alert(2)">x</a> '
        "javascript:alert(3) https://example.com/path?a=1&b=2 <img src=x onerror=alert(4)>"
    )
    acme_client.post(post_url(acme_project), {"body": hostile})
    body = acme_client.get(page_url(acme_project)).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert 'href="javascript:' not in body
    assert "<img src=x" not in body
    assert "javascript:alert(3)" in body  # as text
    assert '<a href="https://example.com/path?a=1&amp;b=2" rel="nofollow">' in body


def test_author_deletes_own_comment(acme_client, acme_project, acme_user):
    comment = ProjectComment.objects.create(
        project=acme_project, author=acme_user, from_client=True, body="OOPS-COMMENT"
    )
    page = acme_client.get(page_url(acme_project)).content.decode()
    delete_url = reverse("portal:project_comment_delete", args=[acme_project.pk, comment.pk])
    assert delete_url in page
    response = acme_client.post(delete_url)
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.deleted_at is not None
    assert "OOPS-COMMENT" not in acme_client.get(page_url(acme_project)).content.decode()
    # Deleting again is a 404 (nothing left to delete).
    assert acme_client.post(delete_url).status_code == 404


def test_others_comments_cannot_be_deleted(acme_client, acme_project, acme, globex):
    colleague = ClientUserFactory(client=acme)
    staff = StaffUserFactory()
    theirs = ProjectComment.objects.create(
        project=acme_project, author=colleague, from_client=True, body="colleague"
    )
    reply = ProjectComment.objects.create(project=acme_project, author=staff, body="reply")
    page = acme_client.get(page_url(acme_project)).content.decode()
    assert "/delete/" not in page
    for comment in (theirs, reply):
        url = reverse("portal:project_comment_delete", args=[acme_project.pk, comment.pk])
        assert acme_client.post(url).status_code == 404
    # Another client's own comment, under the right or a wrong project id: 404.
    other_project = ProjectFactory(client=globex)
    other = ProjectComment.objects.create(
        project=other_project,
        author=ClientUserFactory(client=globex),
        from_client=True,
        body="x",
    )
    for project_id in (other_project.pk, acme_project.pk):
        url = reverse("portal:project_comment_delete", args=[project_id, other.pk])
        assert acme_client.post(url).status_code == 404
    assert not ProjectComment.objects.filter(deleted_at__isnull=False).exists()


def test_own_comment_is_deleted_under_its_own_project_only_and_says_so(
    acme_client, acme_project, acme, acme_user
):
    second = ProjectFactory(client=acme)
    comment = ProjectComment.objects.create(
        project=second, author=acme_user, from_client=True, body="x"
    )
    wrong = reverse("portal:project_comment_delete", args=[acme_project.pk, comment.pk])
    assert acme_client.post(wrong).status_code == 404
    url = reverse("portal:project_comment_delete", args=[second.pk, comment.pk])
    response = acme_client.post(url, follow=True)
    assert response.redirect_chain == [(page_url(second) + "#comments", 302)]
    assert '<li class="message message--success">Your comment has been deleted.</li>' in (
        response.content.decode()
    )


def test_a_comment_not_posted_as_the_client_is_not_theirs_to_delete(
    acme_client, acme_project, acme_user
):
    # E.g. written while the account was on our team: only the client's own comments.
    comment = ProjectComment.objects.create(
        project=acme_project, author=acme_user, from_client=False, body="x"
    )
    url = reverse("portal:project_comment_delete", args=[acme_project.pk, comment.pk])
    assert acme_client.post(url).status_code == 404
    comment.refresh_from_db()
    assert comment.deleted_at is None


def test_delete_url_rejects_get(acme_client, acme_project, acme_user):
    comment = ProjectComment.objects.create(
        project=acme_project, author=acme_user, from_client=True, body="x"
    )
    url = reverse("portal:project_comment_delete", args=[acme_project.pk, comment.pk])
    assert acme_client.get(url).status_code == 405

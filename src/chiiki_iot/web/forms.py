"""What a page does when a form's action is refused.

A mistake in what was entered (a bad date, a stale version, a duplicate) is shown on the same form, with
what the user typed, at the error's status. A refusal of *who* is asking (401 not signed in, 403 not
allowed) is not a form mistake: it goes on to the error handler, which offers sign-in or explains the
permission, instead of re-showing a form the user may not use.
"""

from __future__ import annotations

from chiiki_iot.core.errors import UserError

ACCESS_REFUSED = frozenset({401, 403})


def form_error(error: UserError) -> UserError:
    """The error, to show on the re-rendered form; raises it instead when it refuses access (401/403).

    Use inside ``except UserError as error:`` as the first thing the re-render evaluates::

        except UserError as error:
            return _form(request, session, error=form_error(error), entered=form)
    """
    if error.status_code in ACCESS_REFUSED:
        raise error
    return error

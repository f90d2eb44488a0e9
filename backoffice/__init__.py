"""The staff and marketer web application at ``/backoffice``: server-rendered pages
(Jinja2, htmx for the live parts) over core and flows. ``teller`` builds it
(:func:`backoffice.app.create_backoffice`)."""

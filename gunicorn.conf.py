"""`gunicorn -c gunicorn.conf.py "webapp:create_app()"` from a checkout: the settings live in the
package (webapp/gunicorn_conf.py), so an installed digitpad has them too."""

from webapp.gunicorn_conf import *  # noqa: F401,F403

"""The machine's yardstick: a bare Flask JSON endpoint, served by the same gunicorn
configuration as the identity provider (``gunicorn -c deploy/gunicorn.conf.py bench.bare:app``).

Issue 2 set its targets on a machine where such an endpoint served ~4,900 requests/s. The same
2 cores have measured anywhere from ~2,300 to ~5,000 since (other tenants share the host), so
bench/main.py measures this endpoint first and also prints each target scaled to it.
"""

from flask import Flask
from flask import jsonify

#: What issue 2 measured for a bare Flask JSON endpoint when it set the targets.
ISSUE_BARE_RATE = 4900.0

app = Flask(__name__)


@app.get("/.well-known/openid-configuration")
def ready():
    """The path bench.server waits on, and the request measured."""
    return jsonify(ok=True)

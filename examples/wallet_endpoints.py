# Baanx endpoints your app calls beside the order API, for the mock's Flask app.
from flask import Blueprint

from mock_baanx import requires_baanx_auth

wallet = Blueprint("wallet", __name__)


@wallet.get("/v1/user")
@requires_baanx_auth  # 499, 498, 401 as the Baanx docs order them
def get_user(user):
    return {"id": user.id, "verificationState": "VERIFIED" if user.kyc_verified else "PENDING"}


def extend(app):
    app.register_blueprint(wallet)

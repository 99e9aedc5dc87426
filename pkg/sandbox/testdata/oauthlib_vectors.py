#!/usr/bin/python3
"""Regenerates oauthlib-vectors.json: requests signed by Python oauthlib (an OAuth 1.0a
implementation independent of payrun) with the test key, pkg/signer/signertest/test-rsa2048.pem. Needs python3-oauthlib (3.2.x)
and python3-jwt. Run from this directory: python3 oauthlib_vectors.py > oauthlib-vectors.json
"""
import json

import oauthlib
from oauthlib.oauth1 import SIGNATURE_RSA_SHA256, SIGNATURE_TYPE_AUTH_HEADER, Client
from urllib.parse import urlencode

KEY = open("../../signer/signertest/test-rsa2048.pem").read()  # the one test key (package signertest)

CASES = [
    ("payout", "https://sandbox.connpay.com/paynet/api/v4/payout/39915", "TestMerchant",
     [("client_orderid", "oauthlib-1"), ("amount", "99.95"), ("currency", "USD"),
      ("account_number", "1234567890"), ("order_desc", "Bonus & tips 50% = ok?"),
      ("receiver_email", "a+b@example.com")],
     "oauthlibnonce0001", 1764201800),
    ("status", "https://sandbox.connpay.com/paynet/api/v4/status/39915", "TestMerchant",
     [("login", "TestMerchant"), ("client_orderid", "oauthlib-1")],
     "oauthlibnonce0002", 1764201805),
]

out = []
for name, url, ck, params, nonce, ts in CASES:
    client = Client(ck, signature_method=SIGNATURE_RSA_SHA256, rsa_key=KEY,
                    signature_type=SIGNATURE_TYPE_AUTH_HEADER, nonce=nonce, timestamp=str(ts))
    body = urlencode(params)
    _, headers, signed_body = client.sign(url, http_method="POST", body=body,
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    out.append({
        "name": name, "implementation": "oauthlib " + oauthlib.__version__,
        "url": url, "consumer_key": ck, "timestamp": ts,
        "body": signed_body, "authorization_header": headers["Authorization"],
    })
print(json.dumps(out, indent=2, ensure_ascii=False))

"""The staged production: real servers on loopback used by the tests and by `golive demo`.

Each module starts one backend on 127.0.0.1 with a free port and stops it cleanly:
`k8s_api` (HTTPS Kubernetes API serving schema-validated objects), `aws_account` (moto in
server mode), `web` (HTTPS services), `prometheus` (a real Prometheus, backfilled),
`pagerduty` (an Events API v2 look-alike). Needs the `demo` extra (moto, trustme,
kubernetes-validate).
"""

"""gunicorn settings for the production run: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be changed from the environment (docs/admin-guide.md, "The production run").
"""

import multiprocessing
import os

bind = os.environ.get("QAF_BIND", "127.0.0.1:8000")
# Synchronous workers: QAF's requests are short database round trips. Two a core, plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("QAF_GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("QAF_GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so slow memory growth never accumulates.
max_requests = 2000
max_requests_jitter = 200
# The load balancer's address, whose X-Forwarded-Proto is believed (comma-separated).
forwarded_allow_ips = os.environ.get("QAF_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("QAF_ACCESS_LOG", "-")
errorlog = "-"
wsgi_app = "config.wsgi:application"

# mock-baanx as a container: `mock-baanx serve` on 0.0.0.0:4010, as a user without
# privileges, with a health check on /__mock/health.
#
# The image installs only wheels built beforehand, so its build needs no network:
#     pip wheel --wheel-dir wheels '.[postgres]'
#     podman build -t mock-baanx .          (or docker build)
# BASE is any image with Python 3.11 or later and its venv module (python:3.12-slim, or
# one assembled from Debian packages: docs/container.md).
ARG BASE=docker.io/library/python:3.12-slim

FROM ${BASE} AS build
COPY wheels /wheels
RUN python3 -m venv /opt/mock-baanx \
 && /opt/mock-baanx/bin/pip install --no-cache-dir --no-index --find-links /wheels \
      'mock-baanx[postgres]' \
 && /opt/mock-baanx/bin/pip uninstall --yes pip \
 && find /opt/mock-baanx -name '__pycache__' -prune -exec rm -rf {} + \
 && /opt/mock-baanx/bin/python -m compileall -q /opt/mock-baanx

FROM ${BASE}
RUN useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      mock-baanx
COPY --from=build /opt/mock-baanx /opt/mock-baanx
ENV PATH=/opt/mock-baanx/bin:$PATH PYTHONUNBUFFERED=1
USER mock-baanx
EXPOSE 4010
# SIGTERM (docker stop, podman stop) ends the server at once, exit status 0: every change
# is committed before its reply, so nothing acknowledged is lost.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4010/__mock/health', timeout=2)"]
ENTRYPOINT ["mock-baanx"]
CMD ["serve", "--host", "0.0.0.0"]

# One image for every newsalert service; compose picks the service with `newsalert <service>`.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: compilers live here only -------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/newsalert
WORKDIR /src
# Dependencies first, read from pyproject.toml, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && /opt/newsalert/bin/pip install --requirement /tmp/requirements.txt
COPY setup.py ./
COPY shared ./shared
COPY services ./services
# setup.py compiles the tagger's hot modules with mypyc (hence build-essential); 1 here installs pure Python.
ARG NEWSALERT_PURE_PYTHON=
RUN /opt/newsalert/bin/pip install --no-deps . \
 && /opt/newsalert/bin/newsalert --help > /dev/null \
 && /opt/newsalert/bin/python -c "import services.classify.tagger as m; print('the tagger runs from', m.__file__)"

# --- runtime: the interpreter, the virtualenv, a user without privileges -------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/newsalert/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSALERT_HTTP_HOST=0.0.0.0 \
    NEWSALERT_HTTP_PORT=8080
RUN groupadd --system --gid 10001 newsalert \
 && useradd --system --uid 10001 --gid newsalert --home-dir /home/newsalert --create-home newsalert
COPY --from=build /opt/newsalert /opt/newsalert
USER 10001:10001
WORKDIR /home/newsalert
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 CMD ["newsalert", "health"]
CMD ["newsalert", "--help"]

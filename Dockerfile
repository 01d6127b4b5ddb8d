# One image for every Python process; the command picks the worker (docker-compose, Railway).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends tzdata && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY runtime ./runtime
COPY cli ./cli
COPY bench ./bench
COPY config ./config
COPY data ./data
COPY ingest ./ingest
COPY strategy ./strategy
COPY governor ./governor
COPY executor ./executor
COPY exchange ./exchange
COPY projector ./projector
COPY notifier ./notifier
COPY api ./api
COPY simulator ./simulator
COPY replay ./replay
RUN pip install . && useradd --create-home liqfade
# The API listens on every interface of both families (Railway's private network is IPv6), on PORT when set.
ENV API_HOST=::
USER liqfade
CMD ["liqfade", "run", "strategy"]

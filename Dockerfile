# Gridwork: build with the official Swift 6 image, run on a slim Debian as a non-root user.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends zlib1g-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Fixtures ./Fixtures
COPY scripts/build-release.sh ./scripts/build-release.sh
RUN ./scripts/build-release.sh --postgres /usr/local/bin/gridwork

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends zlib1g libpq5 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 gridwork \
    && useradd --system --uid 10001 --gid 10001 --no-create-home gridwork
COPY --from=build /usr/local/bin/gridwork /usr/local/bin/gridwork
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["gridwork"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]

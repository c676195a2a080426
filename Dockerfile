# syntax=docker/dockerfile:1
# Build: make image (or docker build --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse --short HEAD) -t stagehand .)

FROM docker.io/library/golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
# stagehand runs the offline commands; its serve (the image's command)
# hands over, in the same process, to stagehand-server beside it.
RUN CGO_ENABLED=0 go build -tags nosandbox,noserver -trimpath \
	-ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
	-o /out/stagehand ./cmd/stagehand
RUN CGO_ENABLED=0 go build -tags nosandbox -trimpath \
	-ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
	-o /out/stagehand-server ./cmd/stagehand
# The checks render in-repository Helm charts with stagehand-render, which
# stagehand finds beside itself.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/stagehand-render ./cmd/stagehand-render
# stagehand-sigstore verifies Sigstore bundles; stagehand finds it beside it.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/stagehand-sigstore ./cmd/stagehand-sigstore

# No shell, no package manager: the binaries, CA certificates and a passwd
# entry for nonroot.
FROM gcr.io/distroless/static:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.source="https://github.com/stagehand-gitops/stagehand" \
	org.opencontainers.image.version="${VERSION}" \
	org.opencontainers.image.revision="${COMMIT}" \
	org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/stagehand /out/stagehand-server /out/stagehand-render /out/stagehand-sigstore /
# Numeric, so Kubernetes can check runAsNonRoot against the image.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/stagehand"]
CMD ["serve"]

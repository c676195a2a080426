# syntax=docker/dockerfile:1
# Build: docker build --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse --short HEAD) -t stagehand .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -tags nosandbox -trimpath \
	-ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
	-o /out/stagehand ./cmd/stagehand

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/stagehand /stagehand
USER nonroot
EXPOSE 8080
ENTRYPOINT ["/stagehand", "serve"]

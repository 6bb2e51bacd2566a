# ESock test image: Swift 6 on Debian 12 (bookworm) with liburing, running the test suite.
#
#   docker build -t esock-ci .
#   docker run --rm esock-ci                       # default seccomp: io_uring blocked, poll must pass
#   docker run --rm -e ESOCK_EXPECT_URING=1 \
#       --security-opt seccomp=Scripts/seccomp-iouring.json esock-ci   # io_uring allowed: both backends
#
# The tests run when the container runs (CMD), not while the image is built: the seccomp
# profile is an option of `docker run`, and `docker build` always uses the default one.
# Scripts/container-test.sh does both runs.
ARG SWIFT_IMAGE=swift:6.3-bookworm
FROM ${SWIFT_IMAGE}

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends liburing-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Resolve dependencies first: this layer is reused while Package.swift is unchanged.
COPY ./Package.* ./
RUN swift package resolve

COPY . .
# A build directory copied from the host belongs to another toolchain and path: drop it.
RUN rm -rf .build .build-container \
    && swift build --build-tests

ENV ESOCK_IN_CONTAINER=1 \
    ESOCK_EXPECT_URING=0
CMD ["Scripts/test.sh"]

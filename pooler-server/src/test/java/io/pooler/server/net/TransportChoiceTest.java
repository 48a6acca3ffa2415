package io.pooler.server.net;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.pooler.server.net.Transport.Kind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Which transport {@code pooler.transport} gives: io_uring first where the kernel allows it, then epoll, then NIO. */
class TransportChoiceTest {

    @Test
    void withNothingAskedForTheLoopsRunOnIoUringWhereTheKernelAllowsIt() {
        assumeTrue(IoUring.isAvailable(), "io_uring is not available here: " + IoUring.unavailabilityCause());
        assertEquals(Kind.IO_URING, Transport.choose(""));
    }

    @Test
    void withNothingAskedForAndNoIoUringTheLoopsRunOnEpoll() {
        assumeTrue(!IoUring.isAvailable() && Epoll.isAvailable(), "io_uring is available here");
        assertEquals(Kind.EPOLL, Transport.choose(""));
    }

    @Test
    void epollAskedForIsEpoll() {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        assertEquals(Kind.EPOLL, Transport.choose("epoll"));
    }

    @Test
    void nioAskedForIsNio() {
        assertEquals(Kind.NIO, Transport.choose("nio"));
    }

    @Test
    void anUnknownNameGivesTheDefault() {
        assertEquals(Transport.choose(""), Transport.choose("kqueue"));
    }
}

package io.pooler.server.net;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.pooler.server.net.Transport.Kind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Which transport {@code pooler.transport} gives: io_uring first where the kernel allows it, then epoll, then NIO. */
class TransportChoiceTest {

    @Test
    void withNothingAskedForTheLoopsRunOnIoUringWhereTheKernelAllowsItElseEpoll() {
        Kind expected = Transport.ioUringUsable() ? Kind.IO_URING : Epoll.isAvailable() ? Kind.EPOLL : Kind.NIO;
        assertEquals(expected, Transport.choose(""), "io_uring available: " + IoUring.isAvailable()
                + (IoUring.isAvailable() ? "" : " (" + IoUring.unavailabilityCause() + ")"));
    }

    /** Every io_uring socket reads from the loop's provided-buffer ring: no io_uring without one. */
    @Test
    void ioUringIsUsableOnlyWithProvidedBufferRings() {
        // Transport first: it sets a property Netty's IoUring reads once, as its class initializes.
        boolean usable = Transport.ioUringUsable();
        assertEquals(IoUring.isAvailable() && IoUring.isRegisterBufferRingSupported(), usable);
    }

    /**
     * Reads one at a time on io_uring (unless the command line says otherwise): a multishot read goes on
     * after reading is turned off, and every bound that stops reading a socket relies on it stopping
     * (WaitingBudgetTest).
     */
    @Test
    void ioUringReadsAreNotMultishot() {
        assumeTrue(Transport.ioUringUsable(), "io_uring is not usable here");
        assumeTrue(System.getProperty(Transport.RECV_MULTISHOT_PROPERTY).equals("false"), "set on the command line");
        assertFalse(IoUring.isRecvMultishotEnabled());
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

package io.pooler.server.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A client's gate against RESUME. The client's loop checks {@link Suspension#isSuspended()} and then
 * opens a gate, while RESUME, on another thread, clears the mode and releases the gates it finds: a
 * gate registered just after that pass must not hold its client forever.
 */
class SuspendGateTest {

    /** The admin state's rules (a volatile mode, a concurrent set of gates), without the rest of it. */
    private static final class SuspensionState implements Suspension {
        volatile boolean suspended = true;
        final Set<SuspendGate> gates = ConcurrentHashMap.newKeySet();

        @Override
        public boolean isSuspended() {
            return suspended;
        }

        @Override
        public void holding(SuspendGate gate) {
            gates.add(gate);
        }

        @Override
        public void released(SuspendGate gate) {
            gates.remove(gate);
        }

        /** What RESUME does: the mode first, then every gate it can see. */
        void resume() {
            suspended = false;
            gates.forEach(SuspendGate::release);
        }
    }

    private static final class Received implements SuspendGate.Receiver {
        final List<String> messages = new ArrayList<>();
        boolean all;

        @Override
        public void releasedMessage(Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            messages.add(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
        }

        @Override
        public void releasedAll() {
            all = true;
        }
    }

    @Test
    void aGateOpenedJustAfterResumesPassIsReleased() {
        SuspensionState suspension = new SuspensionState();
        EmbeddedChannel channel = new EmbeddedChannel();
        Received received = new Received();
        assertTrue(suspension.isSuspended()); // the client's loop sees SUSPEND ...
        suspension.resume();                  // ... RESUME runs its pass before the gate exists ...
        SuspendGate gate = SuspendGate.open(suspension, channel, received);
        gate.hold(Unpooled.copiedBuffer("Q1", StandardCharsets.US_ASCII)); // ... and the gate holds

        channel.runPendingTasks();

        assertEquals(List.of("Q1"), received.messages, "the held message went on");
        assertTrue(received.all);
        assertTrue(channel.config().isAutoRead(), "reading again");
        assertTrue(suspension.gates.isEmpty());
        channel.finishAndReleaseAll();
    }

    @Test
    void aGateOpenedWhileSuspendedWaitsForResume() {
        SuspensionState suspension = new SuspensionState();
        EmbeddedChannel channel = new EmbeddedChannel();
        Received received = new Received();
        SuspendGate gate = SuspendGate.open(suspension, channel, received);
        gate.hold(Unpooled.copiedBuffer("Q1", StandardCharsets.US_ASCII));
        channel.runPendingTasks();
        assertEquals(List.of(), received.messages, "held while suspended");
        assertFalse(channel.config().isAutoRead());

        suspension.resume();
        channel.runPendingTasks();

        assertEquals(List.of("Q1"), received.messages, "released once, by RESUME");
        assertTrue(channel.config().isAutoRead());
        channel.finishAndReleaseAll();
    }
}

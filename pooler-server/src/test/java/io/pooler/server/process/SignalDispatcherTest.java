package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SignalDispatcherTest {
    @Test
    void hotSpotKeepsSigusr2UnlessSrSignumMovesItWithinItsRange() {
        assertTrue(SignalDispatcher.jvmSuspendsWithSigusr2(null));
        assertTrue(SignalDispatcher.jvmSuspendsWithSigusr2("12"), "SIGUSR2 itself");
        assertTrue(SignalDispatcher.jvmSuspendsWithSigusr2("11"), "HotSpot refuses SIGSEGV and below");
        assertTrue(SignalDispatcher.jvmSuspendsWithSigusr2("65"), "HotSpot refuses NSIG and above");
        assertTrue(SignalDispatcher.jvmSuspendsWithSigusr2("sixty-four"));
        assertFalse(SignalDispatcher.jvmSuspendsWithSigusr2("64"));
        assertFalse(SignalDispatcher.jvmSuspendsWithSigusr2(" 40 "));
    }
}

package io.pooler.stats;

import org.junit.jupiter.api.Test;

import java.lang.invoke.VarHandle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OpaqueFieldsTest {
    private long stamp = 1;

    @Test
    void aPrivateFieldIsReadAndWrittenThroughItsHandle() {
        VarHandle handle = OpaqueFields.find(OpaqueFieldsTest.class, "stamp", long.class);
        handle.setOpaque(this, 42L);
        assertEquals(42L, stamp);
        assertEquals(42L, (long) handle.getOpaque(this));
    }

    @Test
    void aMissingFieldFailsAtOnce() {
        assertThrows(ExceptionInInitializerError.class, () -> OpaqueFields.find(OpaqueFieldsTest.class, "gone", long.class));
        assertThrows(ExceptionInInitializerError.class, () -> OpaqueFields.find(OpaqueFieldsTest.class, "stamp", int.class));
    }
}

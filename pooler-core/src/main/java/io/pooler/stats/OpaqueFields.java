package io.pooler.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Handles for the fields a connection's own loop writes at every transaction and that other threads
 * only display or check against a timeout (SHOW CLIENTS, SHOW SERVERS, the janitor): read and written in
 * opaque mode, each value whole and visible to the reader soon, with no order against other fields. A
 * volatile store would cost a full fence on every write, several per transaction, for readers that need
 * none of its ordering.
 */
public final class OpaqueFields {
    private OpaqueFields() {
    }

    /** The handle of {@code owner}'s field {@code name} of {@code type}; fails fast at class loading. */
    public static VarHandle find(Class<?> owner, String name, Class<?> type) {
        try {
            return MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findVarHandle(owner, name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

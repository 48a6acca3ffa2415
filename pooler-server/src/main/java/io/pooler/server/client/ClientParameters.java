package io.pooler.server.client;

import io.pooler.protocol.ParameterMaps;
import io.pooler.protocol.TrackedParameters;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Supplier;

/**
 * The parameter values a client should see on whatever server it uses (PgBouncer's {@code varcache}
 * of a client): what it asked for at startup, then what it SET since, as the servers reported it.
 * Before a client's messages go to a server, {@link TrackedParameters#applySql} brings the server
 * in line with these.
 *
 * <p>The values are an interned immutable map ({@link ParameterMaps}), shared with every client that
 * wants the same values and replaced (copy on write) when one changes: an idle client costs little.
 *
 * <p>Threads: written on the server's loop (ParameterStatus) and read on the client's, hence the
 * volatile map replaced atomically and the volatile flag.
 */
final class ClientParameters {
    /** Its client, for the shared services and the address (one reference rather than two: an idle client costs little). */
    private final ClientConnection client;
    private final StartupRequest startup;
    private final TrackedParameters tracked;
    private volatile Map<String, String> wanted = Map.of();
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<ClientParameters, Map> WANTED =
            AtomicReferenceFieldUpdater.newUpdater(ClientParameters.class, Map.class, "wanted");
    /** A DISCARD ALL or RESET left the server's values unlike the client's. */
    private volatile boolean dirty;

    ClientParameters(ClientConnection client, StartupRequest startup, TrackedParameters tracked) {
        this.client = client;
        this.startup = startup;
        this.tracked = tracked;
    }

    TrackedParameters tracked() {
        return tracked;
    }

    Map<String, String> wanted() {
        return wanted;
    }

    /** At the welcome: the client's startup values, else the pool's. */
    void welcome(Map<String, String> serverValues) {
        Map<String, String> values = new HashMap<>();
        for (String name : tracked.names()) {
            String value = startupValue(name, serverValues);
            if (value != null) {
                values.put(name, value);
            }
        }
        wanted = client.services().parameterMaps().intern(values);
    }

    /**
     * The linked server reported {@code value}; returns the value the client should see. After
     * DISCARD ALL or RESET that is the client's own startup value, which the pooler then restores on
     * the server before the client's next message. On the server's loop.
     */
    String serverReported(String name, String value, boolean afterReset, Supplier<Map<String, String>> poolValues) {
        if (!tracked.isTracked(name)) {
            return value;
        }
        if (afterReset) {
            String own = startupValue(name, poolValues.get());
            if (own == null) {
                own = value;
            }
            want(name, own);
            if (!own.equals(value)) {
                dirty = true;
            }
            return own;
        }
        want(name, value);
        return value;
    }

    /**
     * A DISCARD ALL the pooler answered itself: every tracked value goes back to what the client asked
     * for at startup (else the pool's), as RESET ALL puts a direct connection's back. Returns the values
     * that changed, which the client is told of as PostgreSQL would tell it (ParameterStatus); the next
     * server is brought in line when the client is linked to it. On the client's loop, with no server
     * linked.
     */
    Map<String, String> resetToStartup(Map<String, String> poolValues) {
        Map<String, String> changed = new LinkedHashMap<>(); // in tracked order: the same messages every time
        for (String name : tracked.names()) {
            String own = startupValue(name, poolValues);
            if (own != null && !own.equals(wanted.get(name))) {
                want(name, own);
                changed.put(name, own);
            }
        }
        return changed;
    }

    /**
     * After the pooler SET this client's values on a server: where the server reports a tracked value
     * in another spelling than the one wanted, that spelling is wanted from now on. It means the same
     * setting (the SET succeeded), and comparing it with the next server finds it equal.
     */
    void adopt(Map<String, String> serverValues) {
        for (String name : tracked.names()) {
            String wantedValue = wanted.get(name);
            String serverValue = serverValues.get(name);
            if (wantedValue != null && serverValue != null && !wantedValue.equals(serverValue)) {
                want(name, serverValue);
            }
        }
    }

    /** Sets one wanted value; from any thread (a server's loop reports values). */
    @SuppressWarnings("unchecked")
    private void want(String name, String value) {
        ParameterMaps maps = client.services().parameterMaps();
        WANTED.updateAndGet(this, current -> maps.with((Map<String, String>) current, name, value));
    }

    /** True once after a reset left the server unlike the client: its values must be applied again. */
    boolean takeDirty() {
        if (!dirty) {
            return false;
        }
        dirty = false;
        return true;
    }

    /**
     * What the client asked for at startup, else the server's value; with application_name_add_host,
     * application_name gets the client's address added, as PgBouncer does.
     */
    private String startupValue(String name, Map<String, String> serverValues) {
        String value = startup.parameters().getOrDefault(name, serverValues == null ? null : serverValues.get(name));
        if (name.equals("application_name")
                && client.services().config().get().config().settings().applicationNameAddHost()) {
            value = (value == null ? "" : value) + " - " + describe(client.channel().remoteAddress());
        }
        return value;
    }

    private static String describe(java.net.SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return "unix";
    }
}

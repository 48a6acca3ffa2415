package io.pooler.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** One {@code [users]} entry: settings that override the database and global ones for a user. Immutable. */
public final class UserEntry {

    private final String name;
    private final PoolMode poolMode;
    private final Boolean pinOnSessionState;
    private final Integer poolSize;
    private final Integer reservePoolSize;
    private final Integer maxUserConnections;
    private final Integer maxUserClientConnections;
    private final Duration queryTimeout;
    private final Duration idleTransactionTimeout;
    private final Duration transactionTimeout;
    private final Duration clientIdleTimeout;
    private final Duration queryWaitTimeout;

    /** Builds an entry from parameters parsed by {@link EntryParams} against the user key table. */
    UserEntry(String name, Map<String, Object> params) {
        this.name = name;
        String mode = (String) params.get("pool_mode");
        this.poolMode = mode == null ? null : PoolMode.parse(mode);
        this.pinOnSessionState = (Boolean) params.get("pin_on_session_state");
        this.poolSize = optionalInt(params.get("pool_size"));
        this.reservePoolSize = optionalInt(params.get("reserve_pool_size"));
        this.maxUserConnections = optionalInt(params.get("max_user_connections"));
        this.maxUserClientConnections = optionalInt(params.get("max_user_client_connections"));
        this.queryTimeout = (Duration) params.get("query_timeout");
        this.idleTransactionTimeout = (Duration) params.get("idle_transaction_timeout");
        this.transactionTimeout = (Duration) params.get("transaction_timeout");
        this.clientIdleTimeout = (Duration) params.get("client_idle_timeout");
        this.queryWaitTimeout = (Duration) params.get("query_wait_timeout");
    }

    public String name() {
        return name;
    }

    public Optional<PoolMode> poolMode() {
        return Optional.ofNullable(poolMode);
    }

    /** Pooler's own {@code pin_on_session_state} for this entry; empty when not given. */
    public Optional<Boolean> pinOnSessionState() {
        return Optional.ofNullable(pinOnSessionState);
    }

    public OptionalInt poolSize() {
        return toOptionalInt(poolSize);
    }

    public OptionalInt reservePoolSize() {
        return toOptionalInt(reservePoolSize);
    }

    /** Most server connections across all of this user's pools. */
    public OptionalInt maxUserConnections() {
        return toOptionalInt(maxUserConnections);
    }

    /** Most client connections this user may have open. */
    public OptionalInt maxUserClientConnections() {
        return toOptionalInt(maxUserClientConnections);
    }

    /** As written; PgBouncer applies it only when above 0 (0 means the global value). */
    public Optional<Duration> queryTimeout() {
        return Optional.ofNullable(queryTimeout);
    }

    /** As written; PgBouncer applies it only when above 0 (0 means the global value). */
    public Optional<Duration> idleTransactionTimeout() {
        return Optional.ofNullable(idleTransactionTimeout);
    }

    /** As written; PgBouncer applies it only when above 0 (0 means the global value). */
    public Optional<Duration> transactionTimeout() {
        return Optional.ofNullable(transactionTimeout);
    }

    /** As written; PgBouncer applies it only when above 0 (0 means the global value). */
    public Optional<Duration> clientIdleTimeout() {
        return Optional.ofNullable(clientIdleTimeout);
    }

    /** As written; when set it wins, 0 included (0 turns the timeout off for this user). */
    public Optional<Duration> queryWaitTimeout() {
        return Optional.ofNullable(queryWaitTimeout);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserEntry other && name.equals(other.name) && poolMode == other.poolMode
                && Objects.equals(queryTimeout, other.queryTimeout)
                && Objects.equals(idleTransactionTimeout, other.idleTransactionTimeout)
                && Objects.equals(transactionTimeout, other.transactionTimeout)
                && Objects.equals(clientIdleTimeout, other.clientIdleTimeout)
                && Objects.equals(queryWaitTimeout, other.queryWaitTimeout)
                && Objects.equals(pinOnSessionState, other.pinOnSessionState)
                && Objects.equals(poolSize, other.poolSize) && Objects.equals(reservePoolSize, other.reservePoolSize)
                && Objects.equals(maxUserConnections, other.maxUserConnections)
                && Objects.equals(maxUserClientConnections, other.maxUserClientConnections);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, poolMode, pinOnSessionState, poolSize, reservePoolSize, maxUserConnections, maxUserClientConnections);
    }

    @Override
    public String toString() {
        return "UserEntry[" + name + "]";
    }

    private static Integer optionalInt(Object parsed) {
        return parsed == null ? null : Math.toIntExact((Long) parsed);
    }

    private static OptionalInt toOptionalInt(Integer value) {
        return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }
}

package io.pooler.config;

import java.time.Duration;
import java.util.Optional;

/**
 * The timeouts that apply to one login user's connections, with PgBouncer's precedence (its janitor.c): a
 * {@code [users]} value above 0 wins over the {@code [pgbouncer]} one; 0 or no value leaves the global
 * value. A zero result means off.
 *
 * @param queryTimeout           a query running longer is cancelled by closing its server
 * @param idleTransactionTimeout a server idle in a transaction longer is closed
 * @param transactionTimeout     a transaction open longer is ended by closing its server
 * @param clientIdleTimeout      a client with no server and no request for longer is closed
 */
public record ClientTimeouts(
        Duration queryTimeout,
        Duration idleTransactionTimeout,
        Duration transactionTimeout,
        Duration clientIdleTimeout) {

    /** The timeouts for {@code loginUser} under {@code config}. */
    public static ClientTimeouts of(PoolerConfig config, String loginUser) {
        Settings s = config.settings();
        UserEntry user = loginUser == null ? null : config.users().get(loginUser);
        if (user == null) {
            return new ClientTimeouts(s.queryTimeout(), s.idleTransactionTimeout(), s.transactionTimeout(),
                    s.clientIdleTimeout());
        }
        return new ClientTimeouts(
                userWins(user.queryTimeout(), s.queryTimeout()),
                userWins(user.idleTransactionTimeout(), s.idleTransactionTimeout()),
                userWins(user.transactionTimeout(), s.transactionTimeout()),
                userWins(user.clientIdleTimeout(), s.clientIdleTimeout()));
    }

    /** Whether client_idle_timeout is on for anyone: in {@code [pgbouncer]} or for a {@code [users]} entry. */
    public static boolean clientIdleTimeoutOn(PoolerConfig config) {
        if (!config.settings().clientIdleTimeout().isZero()) {
            return true;
        }
        for (UserEntry user : config.users().values()) {
            if (user.clientIdleTimeout().filter(d -> !d.isZero()).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** Whether any timeout of a server's linked client is on. */
    public boolean anyServerTimeout() {
        return !queryTimeout.isZero() || !idleTransactionTimeout.isZero() || !transactionTimeout.isZero();
    }

    private static Duration userWins(Optional<Duration> user, Duration global) {
        return user.filter(d -> !d.isZero()).orElse(global);
    }
}

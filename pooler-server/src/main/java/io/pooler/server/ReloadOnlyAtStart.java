package io.pooler.server;

import io.pooler.config.Settings;

/**
 * Keys PgBouncer reads only at start ({@code CF_NO_RELOAD}) whose new value a RELOAD must not apply:
 * PgBouncer's parser silently keeps the running value. For {@code track_extra_parameters} that matters
 * for correctness, not only for parity: clients logged in under the old list carry parameters the new
 * list might not restore. SHOW CONFIG keeps showing the value in force.
 */
final class ReloadOnlyAtStart {
    private ReloadOnlyAtStart() {
    }

    /** The reloaded config with track_extra_parameters, and the parameters it tracks, as they were. */
    static RuntimeConfig keepRunningValues(RuntimeConfig running, RuntimeConfig reloaded) {
        Settings before = running.config().settings();
        Settings after = reloaded.config().settings();
        String key = "track_extra_parameters";
        if (String.valueOf(before.raw(key)).equals(String.valueOf(after.raw(key)))) {
            return reloaded;
        }
        Settings kept = after.with(key, before.raw(key));
        return new RuntimeConfig(reloaded.config().withSettings(kept), reloaded.userlist(),
                running.trackedParameters(), reloaded.hba(), reloaded.tls());
    }
}

package io.pooler.config;

import java.util.List;

/**
 * A loaded configuration and what the loader had to say about it: one line per warning, each starting with
 * {@code file:line:} (unsupported keys, {@code [peers]} entries).
 */
public record LoadedConfig(PoolerConfig config, List<String> warnings) {

    public LoadedConfig {
        warnings = List.copyOf(warnings);
    }
}

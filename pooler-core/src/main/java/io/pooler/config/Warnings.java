package io.pooler.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Collects load warnings, each starting with {@code file:line:}; "not supported" ones once per key. */
final class Warnings {

    private final List<String> lines = new ArrayList<>();
    private final Set<String> warnedTopics = new HashSet<>();

    void add(SourceLine at, String text) {
        lines.add(at + ": " + text);
    }

    /** Adds the warning unless one about {@code topic} was already added. */
    void once(String topic, SourceLine at, String text) {
        if (warnedTopics.add(topic)) {
            add(at, text);
        }
    }

    List<String> toList() {
        return List.copyOf(lines);
    }
}

package io.pooler.server.process;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.stream.Collectors;

/** Prints the JVM options it was started with, its collectors and MALLOC_ARENA_MAX, for {@link LauncherJvmOptionsTest}. */
public final class JvmOptionsProbeMain {
    private JvmOptionsProbeMain() {
    }

    public static void main(String[] args) {
        System.out.println("options " + ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.println("collectors " + ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(",")));
        System.out.println("max heap " + Runtime.getRuntime().maxMemory());
        System.out.println("MALLOC_ARENA_MAX=" + System.getenv("MALLOC_ARENA_MAX"));
        System.out.println("done");
    }
}

package io.pooler.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The machine and software a comparison ran on, for the results and the README. */
public final class MachineInfo {
    private MachineInfo() {
    }

    public static Map<String, String> describe(Map<String, String> software) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        info.put("cpu", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores available");
        info.put("memory", memory());
        info.put("os", osName() + ", Linux " + read("/proc/sys/kernel/osrelease"));
        info.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        info.put("load average at start", read("/proc/loadavg"));
        info.putAll(software);
        return info;
    }

    public static String render(Map<String, String> info) {
        StringBuilder out = new StringBuilder();
        info.forEach((k, v) -> out.append("- ").append(k).append(": ").append(v).append('\n'));
        return out.toString();
    }

    private static String cpuModel() {
        return lines("/proc/cpuinfo").stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
    }

    private static String memory() {
        return lines("/proc/meminfo").stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024 / 1024 + " GiB RAM").findFirst().orElse("unknown");
    }

    private static String osName() {
        return lines("/etc/os-release").stream().filter(l -> l.startsWith("PRETTY_NAME="))
                .map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", "")).findFirst().orElse("unknown OS");
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException e) {
            return List.of();
        }
    }
}

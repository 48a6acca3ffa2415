package io.pooler.auth.hba;

/** The TYPE column: which transport a rule applies to. */
public enum HbaConnectionType {
    /** Unix-domain sockets. */
    LOCAL("local"),
    /** TCP, with or without TLS. */
    HOST("host"),
    /** TCP with TLS. */
    HOSTSSL("hostssl"),
    /** TCP without TLS. */
    HOSTNOSSL("hostnossl");

    private final String configName;

    HbaConnectionType(String configName) {
        this.configName = configName;
    }

    static HbaConnectionType byName(String word) {
        for (HbaConnectionType type : values()) {
            if (type.configName.equals(word)) {
                return type;
            }
        }
        return null;
    }

    public String configName() {
        return configName;
    }
}

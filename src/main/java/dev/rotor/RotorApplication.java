package dev.rotor;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;

/** Camel-main with Rotor's configuration, settings read from ./application.properties. */
public class RotorApplication extends Main {

    public RotorApplication() {
        setDefaultPropertyPlaceholderLocation("file:application.properties;optional=true");
        configure().addConfiguration(new RotorConfiguration(this::finish));
        addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport main) {
                serveGatewayIfAsked(main);
            }
        });
    }

    /**
     * The gateway is served by camel-main's HTTP server, on rotor.gateway.host and port, started only when
     * rotor.intake names http: other runs bind no port.
     */
    private void serveGatewayIfAsked(BaseMainSupport main) {
        PropertiesComponent properties = main.getCamelContext().getPropertiesComponent();
        boolean http;
        try {
            http = RotorSettings.intakes(properties.resolveProperty("rotor.intake").orElse("file")).contains("http");
        } catch (IllegalArgumentException mistake) {
            throw new ConfigurationMistake(mistake);
        }
        if (http) {
            configure().httpServer().withEnabled(true)
                    .withHost(properties.resolveProperty("rotor.gateway.host").orElse("127.0.0.1").strip())
                    .withPort(Integer.parseInt(properties.resolveProperty("rotor.gateway.port").orElse("8080").strip()));
        }
    }

    /** Ends a batch run: stops Camel and makes {@link #run} return this exit code. */
    void finish(int code) {
        exitCode.set(code);
        completed();
    }
}

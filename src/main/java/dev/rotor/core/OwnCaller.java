package dev.rotor.core;

import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * Makes the model call of a task whose intake brought a caller of its own ({@link ExchangeKeys#CALLER}: the gateway's,
 * bounded by its request's deadline), without a thread waiting on it.
 */
public final class OwnCaller extends AsyncProcessorSupport {

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        return exchange.getProperty(ExchangeKeys.CALLER, AsyncProcessor.class).process(exchange, callback);
    }
}

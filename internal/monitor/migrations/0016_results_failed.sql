-- The failed runs by component and time: whether a service failed within a window
-- (ServiceFailed, ServicesFailed, asked by the customer's home for every service and
-- month) otherwise read every run the component kept, as monitor_results_component puts
-- the location before the time. Failed runs are few, so the index is small and costs
-- the writes of ok runs nothing (issue 16).
CREATE INDEX monitor_results_failed ON monitor_results (component_id, last_at) WHERE NOT ok;

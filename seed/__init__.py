"""The deterministic demo world: Zhejiang's real counties, stations, vans, crews, owners and vehicles."""

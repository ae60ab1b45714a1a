import { brokerServers } from './broker-servers.js';

describe('brokerServers', () => {
  it('reads one listener, with the default port of its scheme', () => {
    expect(brokerServers('mqtts://127.0.0.1:18883')).toEqual([{ host: '127.0.0.1', port: 18883, protocol: 'mqtts' }]);
    expect(brokerServers('mqtt://broker.example')).toEqual([{ host: 'broker.example', port: 1883, protocol: 'mqtt' }]);
  });

  it('reads every node of a cluster, in the order given', () => {
    expect(brokerServers('mqtts://127.0.0.1:1, mqtts://127.0.0.1:2,mqtts://127.0.0.1:3').map((s) => s.port)).toEqual([1, 2, 3]);
  });

  it('refuses an empty list, a non-URL and another scheme', () => {
    expect(() => brokerServers(' , ')).toThrow(/names no server/);
    expect(() => brokerServers('127.0.0.1:1883')).toThrow(/not a URL/);
    expect(() => brokerServers('mqtt//x')).toThrow(/not a URL/);
    expect(() => brokerServers('ws://127.0.0.1:80')).toThrow(/neither mqtt/);
  });
});

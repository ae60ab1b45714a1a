import { loadServiceConfig } from './config.js';
import { numberSetting } from './number-setting.js';

describe('numberSetting', () => {
  const configWith = (value?: string) =>
    loadServiceConfig('device-gateway', {
      KEELSON_NATS_URL: 'nats://127.0.0.1:4222',
      ...(value === undefined ? {} : { KEELSON_X_SECONDS: value }),
    });
  const whole = { default: 90, min: 1, max: 86_400 };

  it('is the default when unset, and the value when it is plain digits in range', () => {
    expect(numberSetting(configWith(), 'KEELSON_X_SECONDS', whole)).toBe(90);
    expect(numberSetting(configWith('1'), 'KEELSON_X_SECONDS', whole)).toBe(1);
    expect(numberSetting(configWith('86400'), 'KEELSON_X_SECONDS', whole)).toBe(86_400);
    expect(numberSetting(configWith('0.5'), 'KEELSON_X_SECONDS', { default: 15, min: 0.1, max: 3600, integer: false })).toBe(0.5);
  });

  it.each(['', ' 12', '12 ', '1e3', '0x10', '-5', '1.5', 'abc', '0', '86401'])(
    "refuses '%s' with the variable's name and range",
    (value) => {
      expect(() => numberSetting(configWith(value), 'KEELSON_X_SECONDS', whole)).toThrow(
        `device-gateway: KEELSON_X_SECONDS must be a whole number from 1 to 86400, got '${value}'`,
      );
    },
  );

  it('refuses a decimal setting outside its range or not a plain number', () => {
    const rule = { default: 15, min: 0.1, max: 3600, integer: false };
    for (const value of ['0.05', '3600.5', '.5', '1.', 'NaN', 'Infinity']) {
      expect(() => numberSetting(configWith(value), 'KEELSON_X_SECONDS', rule)).toThrow(
        `KEELSON_X_SECONDS must be a number from 0.1 to 3600, got '${value}'`,
      );
    }
  });

  it('adds the problem to a list, without the service name, and answers the default, when given one', () => {
    const problems: string[] = [];
    expect(numberSetting(configWith('12 '), 'KEELSON_X_SECONDS', whole, problems)).toBe(90);
    expect(numberSetting(configWith('12'), 'KEELSON_X_SECONDS', whole, problems)).toBe(12);
    expect(problems).toEqual(["KEELSON_X_SECONDS must be a whole number from 1 to 86400, got '12 '"]);
  });
});

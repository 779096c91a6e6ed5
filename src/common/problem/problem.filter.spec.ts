import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { DriverError } from '../../vendors/driver-error.js';
import { ProblemFilter } from './problem.filter.js';
import { ProblemException } from './problem.exception.js';

describe('ProblemFilter.resolve', () => {
  const filter = new ProblemFilter();
  // The filter logs unexpected errors; here they are expected.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('answers 500 for an unexpected error without leaking its message', () => {
    const problem = filter.resolve(new Error('connect ECONNREFUSED 10.9.9.9:5432 password=hunter2'));
    expect(problem).toMatchObject({ status: 500, type: 'urn:dfm:problem:internal' });
    expect(JSON.stringify(problem)).not.toContain('hunter2');
    expect(problem.detail).not.toContain('ECONNREFUSED');
  });

  it('keeps a ProblemException as it is', () => {
    const original = ProblemException.conflict('taken');
    expect(filter.resolve(original)).toBe(original);
  });

  it('maps driver errors to their problem types with the vendor message', () => {
    expect(
      filter.resolve(
        new DriverError('invalid-config', 'Kea rejected the configuration', 'subnet4[0]: bad pool'),
      ),
    ).toMatchObject({
      status: 422,
      type: 'urn:dfm:problem:server-rejected-config',
      extensions: { driverError: 'invalid-config', vendorMessage: 'subnet4[0]: bad pool' },
    });
    expect(filter.resolve(new DriverError('unreachable', 'no answer'))).toMatchObject({
      status: 502,
      type: 'urn:dfm:problem:server-unreachable',
    });
  });

  it('maps Nest HTTP exceptions to problems, keeping their message', () => {
    expect(filter.resolve(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      detail: 'Cannot GET /x',
    });
    expect(filter.resolve(new BadRequestException(['a', 'b']))).toMatchObject({
      status: 400,
      detail: 'a; b',
    });
  });
});

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import { compiledQuery } from '../../infra/db/compiled-query.js';
import { bucket, secondsUntilWindowEnds, take, type Limit } from '../../infra/rate-limit/rate-limit.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ErrorPage } from '../../infra/web/error-page.js';
import { formText } from '../../infra/web/form.js';
import { sendPage } from '../../infra/web/view.js';
import QRCode from 'qrcode';
import { issueCardToken } from '../../identity/verification.js';
import { applePass, googleWalletLink, type WalletCard } from '../../infra/wallet/passes.js';
import { AreaHomePage, CardPage, UsernamePage, type CardCheck, type RecentRequest } from './area.views.js';
import { visibleMembers, type VisibleMember } from './member-selector.js';

export interface AreaDeps {
  config: Config;
  db: Db;
  clock: Clock;
  sessions: Sessions;
}

/** R31, R37: how many of the latest requests the home lists. */
const RECENT_REQUESTS = 3;

/**
 * The home's last requests (issue 32): compiled once per database and number of people shown, as the session and
 * the member selector are (compiled-query.ts), so a signed-in page builds no query.
 */
const recentRequestRows = compiledQuery((db, p: { accountId: number; patients: readonly number[] }) =>
  db
    .selectFrom('requests')
    .select(['reference', 'type', 'status'])
    .where('account_id', '=', p.accountId)
    .where('patient_member_id', 'in', p.patients)
    .orderBy('id', 'desc')
    .limit(RECENT_REQUESTS),
);
/**
 * R33: Apple Wallet passes an account may download per hour. Each is signed on request; a member adds a card to a
 * phone or two, and a guardian each minor's, so 20 is room for a family and a cap for a script.
 */
export const WALLET_PASS_LIMIT = { windowMs: 60 * 60 * 1000, max: 20 } as const satisfies Limit;

/** R13 home, R14 member selector, R16 username page. */
export async function areaRoutes(app: FastifyInstance, deps: AreaDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  app.addHook('preHandler', requireMember(deps.sessions, db));

  /** Who the viewer may see now, and whose area is shown (R14: checked on every request). */
  async function scope(request: FastifyRequest) {
    const session = request.memberSession!;
    const visible = await visibleMembers(kysely, clock, config.timeZone, session.accountId);
    const self = visible.filter((v) => v.relation === 'self');
    const acting = visible.find((v) => v.id === session.actingMemberId) ?? self[0];
    return { session, visible, self, acting };
  }

  async function refuse(request: FastifyRequest, reply: FastifyReply, memberNumber: string) {
    await request.audit('member.access', 'refused', {
      accountId: request.memberSession!.accountId,
      subject: memberNumber.slice(0, 40),
    });
    return sendPage(
      reply,
      ErrorPage({ ctx: request.pageContext(), titleKey: 'area.forbidden.title', bodyKey: 'area.forbidden.body' }),
      'forbidden',
    );
  }

  /** R31, R37: the last few requests about the people the home shows, newest first (their reference and status). */
  async function recentRequests(accountId: number, shown: VisibleMember[]): Promise<RecentRequest[]> {
    if (shown.length === 0) return [];
    return recentRequestRows(kysely, { accountId, patients: shown.map((m) => m.id) });
  }

  /** R33: the check address of a card and its QR code; none for a cancelled policy's card (it vouches for nothing). */
  async function cardCheck(member: VisibleMember): Promise<CardCheck | undefined> {
    if (member.policyStatus !== 'active') return undefined;
    const token = await issueCardToken(kysely, clock, config.secretKey, {
      memberId: member.id,
      policyId: member.policyId,
    });
    const url = `${config.publicUrl}/verify/card/${token}`;
    const qr = await QRCode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
    return { url, qr };
  }

  /** R33: what a wallet pass of this card holds, in the member's language. */
  function walletCard(request: FastifyRequest, member: VisibleMember, checkUrl: string): WalletCard {
    const t = request.t;
    return {
      fullName: `${member.firstName} ${member.lastName}`,
      memberNumber: member.memberNumber,
      policyNumber: member.policyNumber,
      product: member.product,
      endDate: member.endDate,
      active: member.policyStatus === 'active',
      checkUrl,
      lang: request.lang,
      labels: {
        member: t('card.memberNumber'),
        policy: t('card.policyNumber'),
        product: t('card.product'),
        validUntil: t('card.validUntil'),
        noEnd: t('card.noEnd'),
        emergency: t('card.emergency'),
      },
    };
  }

  /** R33: the wallet buttons of an active card, only for the wallets the insurer configured. */
  async function walletLinks(request: FastifyRequest, member: VisibleMember, check: CardCheck | undefined) {
    if (!check) return {};
    const { apple, google } = config.wallet;
    return {
      ...(apple ? { apple: `/area/card/wallet.pkpass?member=${encodeURIComponent(member.memberNumber)}` } : {}),
      ...(google
        ? {
            google: await googleWalletLink(
              google,
              config.brand,
              walletCard(request, member, check.url),
              config.publicUrl,
              clock.now(),
            ),
          }
        : {}),
    };
  }

  // R33: the pass exists only where the insurer configured Apple Wallet (the button shows on the same condition).
  const apple = config.wallet.apple;
  if (apple)
    app.get('/area/card/wallet.pkpass', async (request, reply) => {
      const { visible, acting } = await scope(request);
      const raw = (request.query as Record<string, unknown>).member;
      const wanted = raw === undefined ? undefined : typeof raw === 'string' ? raw : '';
      const member = wanted === undefined ? acting : visible.find((v) => v.memberNumber === wanted);
      if (!member) return refuse(request, reply, wanted ?? '');
      // A pass is signed (PKCS#7) for each download: counted before the work, atomically, on every node alike.
      const slot = await take(
        kysely,
        clock,
        bucket('wallet-pass', String(request.memberSession!.accountId)),
        WALLET_PASS_LIMIT.windowMs,
      );
      if (slot.count > WALLET_PASS_LIMIT.max) {
        await slot.release();
        await request.audit('card.wallet', 'refused', {
          accountId: request.memberSession!.accountId,
          memberId: member.id,
          subject: member.memberNumber,
          details: { reason: 'rate-limited' },
        });
        reply.header('retry-after', String(secondsUntilWindowEnds(clock, WALLET_PASS_LIMIT.windowMs)));
        return sendPage(
          reply,
          ErrorPage({
            ctx: request.pageContext(),
            titleKey: 'card.walletLimited.title',
            bodyKey: 'card.walletLimited.body',
          }),
          'limited',
        );
      }
      const check = await cardCheck(member);
      const pass = applePass(apple, config.brand, walletCard(request, member, check?.url ?? ''));
      await request.audit('card.wallet', 'success', {
        accountId: request.memberSession!.accountId,
        memberId: member.id,
        subject: member.memberNumber,
      });
      return reply
        .type('application/vnd.apple.pkpass')
        .header(
          'content-disposition',
          `attachment; filename="card-${member.policyNumber.replace(/[^A-Za-z0-9-]/g, '')}.pkpass"`,
        )
        .header('cache-control', 'no-store')
        .send(pass);
    });

  app.get('/area', async (request, reply) => {
    const { session, visible, self, acting } = await scope(request);
    const policies: VisibleMember[] = acting?.relation === 'minor' ? [acting] : self;
    return sendPage(
      reply,
      <AreaHomePage
        ctx={request.pageContext()}
        owner={self[0]}
        acting={acting}
        visible={visible}
        policies={policies}
        requests={await recentRequests(session.accountId, policies)}
      />,
    );
  });

  app.post('/area/switch', async (request, reply) => {
    const { session, visible } = await scope(request);
    // formText: a JSON body may carry an object or an array here, which String() cannot always turn into text.
    const wanted = formText(request.body, 'member').slice(0, 40);
    const target = visible.find((v) => v.memberNumber === wanted);
    if (!target) return refuse(request, reply, wanted);
    await kysely.updateTable('sessions').set({ acting_member_id: target.id }).where('id', '=', session.id).execute();
    // R14: every switch is audited.
    await request.audit('member.switch', 'success', {
      accountId: session.accountId,
      memberId: target.id,
      subject: target.memberNumber,
    });
    return reply.redirect('/area', 303);
  });

  app.get('/area/card', async (request, reply) => {
    const { visible, acting } = await scope(request);
    // `?member=a&member=b` arrives as an array: anything but one string is an unknown member (issue 9).
    const raw = (request.query as Record<string, unknown>).member;
    const wanted = raw === undefined ? undefined : typeof raw === 'string' ? raw : '';
    // Without a member: every card of whoever the home shows (one per policy, R33), or the minor's (R14).
    const members =
      wanted !== undefined
        ? visible.filter((v) => v.memberNumber === wanted)
        : acting?.relation === 'minor'
          ? [acting]
          : visible.filter((v) => v.relation === 'self');
    if (members.length === 0) return refuse(request, reply, wanted ?? '');
    const cards = [];
    for (const member of members) {
      const check = await cardCheck(member);
      cards.push({ member, check, wallet: await walletLinks(request, member, check) });
    }
    return sendPage(reply, <CardPage ctx={request.pageContext()} cards={cards} />);
  });

  app.get('/area/username', async (request, reply) => {
    const account = await kysely
      .selectFrom('accounts')
      .select(['username', 'document_type'])
      .where('id', '=', request.memberSession!.accountId)
      .executeTakeFirstOrThrow();
    return sendPage(
      reply,
      <UsernamePage ctx={request.pageContext()} username={account.username} documentType={account.document_type} />,
    );
  });
}
